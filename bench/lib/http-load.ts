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
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
}

/**
 * Runs `send` from `concurrency` workers until `requests` calls are done or `maxMs` passed; every call must
 * succeed (a failed call throws: a benchmark of errors is no benchmark).
 */
export async function measureLatency(
  send: () => Promise<void>,
  options: { requests: number; concurrency: number; maxMs: number },
): Promise<LatencyStats> {
  const samples: number[] = [];
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
  const seconds = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  return {
    requests: samples.length,
    p50Ms: percentile(samples, 0.5),
    p99Ms: percentile(samples, 0.99),
    perSecond: samples.length / seconds,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
