/**
 * Throughput load: the same request many times over a few keep-alive sockets, sent by autocannon. Its client
 * builds the request's bytes once and parses only what it counts, so it costs about a third of `node:http`'s CPU
 * per request (27 against 76 µs on the 2-core EPYC VM, with a Bun gateway taking durable tasks). The load shares
 * the machine's cores with the server it measures, so a heavy client understates the server: on the same gateway,
 * `node:http` reached 7,200–7,400 tasks/s and autocannon 11,500–11,600/s.
 *
 * Latency rows keep `http-load.ts` (one request at a time, where the client's cost is not what limits the rate).
 */
import autocannon from "autocannon";

export interface Blast {
  /** The server's base URL. */
  url: string;
  path: string;
  /** A JSON body, sent with `content-type: application/json`. */
  body: string;
  /** Sent as `Authorization: Bearer <token>`; null: no header. */
  token: string | null;
  /** Concurrent keep-alive sockets, one request in flight on each. */
  connections: number;
  /** Requests in all, shared among the sockets. */
  amount: number;
  /** The status every answer must have; any other (or an error, a timeout) fails the run. */
  status: number;
}

/** How often autocannon samples its counters, and so how late at most it reports the last answer (ms). */
const SAMPLE_MS = 5;

/** Sends `amount` requests and resolves with requests per second, timed from the first send to the last answer. */
export async function blast(options: Blast): Promise<number> {
  const started = performance.now();
  const result = await autocannon({
    url: new URL(options.path, options.url).href,
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body,
    connections: Math.min(options.connections, options.amount),
    pipelining: 1,
    amount: options.amount,
    // autocannon notices the end of a run at its next sample tick (1 s by default), and the run's time here ends
    // when the result comes back: every window would be rounded up to whole seconds.
    sampleInt: SAMPLE_MS,
  });
  const seconds = (performance.now() - started) / 1000;
  const statuses: Record<string, { count?: number }> = result.statusCodeStats ?? {};
  const expected = statuses[String(options.status)]?.count ?? 0;
  if (expected !== options.amount || result.errors || result.timeouts) {
    const codes = Object.entries(statuses)
      .map(([code, { count }]) => `${count}× ${code}`)
      .join(", ");
    throw new Error(
      `${options.path}: ${expected} of ${options.amount} answered ${options.status} (${codes || "no answers"}; ` +
        `${result.errors} errors, ${result.timeouts} timeouts)`,
    );
  }
  return options.amount / seconds;
}
