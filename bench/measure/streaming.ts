/**
 * Measurement 2: streaming throughput agent → caller. One SSE request for which the agent streams `chunks`
 * chunks of 64–256 bytes; timed from the request to the end of the response at the caller. Several runs, the
 * median is reported. Relays measured together take turns, one run each, so they see the same machine load.
 */
import { payloadBytes } from "../lib/chunks.ts";
import { type HttpClient, httpClient } from "../lib/http-load.ts";
import type { RelayTarget } from "../lib/relay-target.ts";

// A 20,000-chunk run lasts about 0.15 s: with 5 runs a single slow run moved a row by 20%, with 9 runs (taking
// turns with the floor) the Deno row still read 88% and 108% in two runs of the same code.
export const STREAMING = { chunks: 20_000, runs: 15 };

export interface StreamingResult {
  chunksPerSecond: number;
  /** Delta (payload) megabytes per second, 10^6 bytes. */
  payloadMBps: number;
  /** SSE bytes on the wire per second, framing included. */
  wireMBps: number;
}

export async function measureStreaming(target: RelayTarget): Promise<StreamingResult> {
  const [result] = await measureStreamsTogether([target]);
  return result!;
}

/**
 * Each target's median over `STREAMING.runs`, the targets taking turns run by run. Measured one after the other,
 * the floor and the gateway saw different minutes of the machine: the Bun row moved by 20–40% between runs with
 * no change to the code.
 */
export async function measureStreamsTogether(targets: RelayTarget[]): Promise<StreamingResult[]> {
  const clients = targets.map((target) => httpClient(target.url, target.token, 1));
  try {
    return await mediansInTurns(targets.map((target, i) => () => streamOnce(target, clients[i]!)));
  } finally {
    for (const client of clients) client.close();
  }
}

/**
 * Runs every stream once per round, taking turns, for `STREAMING.runs` rounds after an unmeasured warm-up round;
 * returns each one's median run by chunks/s.
 */
export async function mediansInTurns<T extends { chunksPerSecond: number }>(
  streams: (() => Promise<T>)[],
): Promise<T[]> {
  const runs: T[][] = streams.map(() => []);
  for (let round = 0; round <= STREAMING.runs; round++) {
    for (const [i, stream] of streams.entries()) {
      const result = await stream();
      if (round > 0) runs[i]!.push(result);
    }
  }
  return runs.map((results) => {
    results.sort((a, b) => a.chunksPerSecond - b.chunksPerSecond);
    return results[Math.floor(results.length / 2)]!;
  });
}

export async function streamOnce(target: RelayTarget, client: HttpClient): Promise<StreamingResult> {
  const body = JSON.stringify({ message: `stream ${STREAMING.chunks}` });
  const started = performance.now();
  const res = await client.post(target.messagesPath, body, "text/event-stream");
  const seconds = (performance.now() - started) / 1000;
  const text = res.body.toString();
  const chunks = text.split("event: chunk\n").length - 1;
  const done = text.includes("event: done\n");
  if (res.status !== 200 || chunks !== STREAMING.chunks || !done) {
    const error = /event: error\ndata: (.*)\n/.exec(text)?.[1];
    throw new Error(
      `${target.kind} on ${target.runtime}: status ${res.status}, ${chunks} of ${STREAMING.chunks} chunks` +
        `, done event ${done ? "present" : "missing"}${error ? `, error event ${error}` : ""}`,
    );
  }
  return {
    chunksPerSecond: chunks / seconds,
    payloadMBps: payloadBytes(STREAMING.chunks) / seconds / 1e6,
    wireMBps: res.body.length / seconds / 1e6,
  };
}
