/**
 * The load generator: plain `node:http` with keep-alive sockets (lighter than fetch, so the client is less of
 * a bottleneck), the same for floors and gateways.
 */
import { Agent, request } from "node:http";

export interface HttpResult {
  status: number;
  body: Buffer;
}

export interface HttpClient {
  post(path: string, body: string, accept?: string, headers?: Record<string, string>): Promise<HttpResult>;
  get(path: string): Promise<HttpResult>;
  close(): void;
}

export function httpClient(baseUrl: string, token: string | null, sockets: number): HttpClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  function send(
    method: string,
    path: string,
    body: string,
    accept: string,
    extra: Record<string, string>,
  ): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: {
            ...(body
              ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
              : {}),
            accept,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...extra,
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on("data", (part: Buffer) => parts.push(part));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
  return {
    post(path, body, accept = "application/json", extra = {}) {
      return send("POST", path, body, accept, extra);
    },
    get(path) {
      return send("GET", path, "", "application/json", {});
    },
    close: () => agent.destroy(),
  };
}

export interface LatencyStats {
  requests: number;
  /** The fastest call: close to the uncontended cost on a busy machine. */
  minMs: number;
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
}

export interface LoadOptions {
  requests: number;
  concurrency: number;
  maxMs: number;
}

/**
 * Runs `send` from `concurrency` workers until `requests` calls are done or `maxMs` passed; every call must
 * succeed (a failed call throws: a benchmark of errors is no benchmark).
 */
export async function measureLatency(send: () => Promise<void>, options: LoadOptions): Promise<LatencyStats> {
  const samples: number[] = [];
  const seconds = await load(send, options, samples);
  return latencyStats(samples, seconds);
}

/**
 * The same load on several servers, taking turns in `slices` slices each, so that every server sees the same
 * minutes of the machine. Measured one after the other, in windows a minute apart, the same two servers' p50
 * ratio moved between 0.98 and 1.59 on a shared VM. Each server's stats pool the samples of all its slices.
 * `requests` and `maxMs` are per server, as in measureLatency.
 */
export async function measureLatencyInTurns(
  sends: (() => Promise<void>)[],
  options: LoadOptions & { slices: number },
): Promise<LatencyStats[]> {
  const slice = {
    requests: Math.ceil(options.requests / options.slices),
    concurrency: options.concurrency,
    maxMs: options.maxMs / options.slices,
  };
  const samples: number[][] = sends.map(() => []);
  const seconds = sends.map(() => 0);
  const stopAt = performance.now() + options.maxMs * sends.length;
  // Each turn starts one server further on, so none is always the one that follows a given other.
  for (let turn = 0; turn < options.slices && performance.now() < stopAt; turn++)
    for (let k = 0; k < sends.length; k++) {
      const i = (turn + k) % sends.length;
      seconds[i]! += await load(sends[i]!, slice, samples[i]!);
    }
  return sends.map((_, i) => latencyStats(samples[i]!, seconds[i]!));
}

/** Adds each call's milliseconds to `samples`; returns the seconds the load took. */
async function load(send: () => Promise<void>, options: LoadOptions, samples: number[]): Promise<number> {
  const started = performance.now();
  const stopAt = started + options.maxMs;
  let issued = 0;
  const worker = async () => {
    while (issued < options.requests && performance.now() < stopAt) {
      issued++;
      const t0 = performance.now();
      await send();
      samples.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return (performance.now() - started) / 1000;
}

function latencyStats(samples: number[], seconds: number): LatencyStats {
  samples.sort((a, b) => a - b);
  return {
    requests: samples.length,
    minMs: samples[0] ?? Number.NaN,
    p50Ms: percentile(samples, 0.5),
    p99Ms: percentile(samples, 0.99),
    perSecond: samples.length / seconds,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
