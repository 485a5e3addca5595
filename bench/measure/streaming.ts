/**
 * Measurement 2: streaming throughput agent → caller. One SSE request for which the agent streams `chunks`
 * chunks of 64–256 bytes; timed from the request to the end of the response at the caller. Several runs, the
 * median is reported.
 */
import { payloadBytes } from "../lib/chunks.ts";
import { httpClient } from "../lib/http-load.ts";
import type { RelayTarget } from "../lib/relay-target.ts";

// A 20,000-chunk run lasts about 0.15 s: with 5 runs a single slow run moved a row by 20%.
export const STREAMING = { chunks: 20_000, runs: 9 };

export interface StreamingResult {
  chunksPerSecond: number;
  /** Delta (payload) megabytes per second, 10^6 bytes. */
  payloadMBps: number;
  /** SSE bytes on the wire per second, framing included. */
  wireMBps: number;
}

export async function measureStreaming(target: RelayTarget): Promise<StreamingResult> {
  const client = httpClient(target.url, target.token, 1);
  const body = JSON.stringify({ message: `stream ${STREAMING.chunks}` });
  const payload = payloadBytes(STREAMING.chunks);
  const runs: StreamingResult[] = [];
  try {
    // One unmeasured run warms up the path.
    for (let run = 0; run <= STREAMING.runs; run++) {
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
      if (run === 0) continue;
      runs.push({
        chunksPerSecond: chunks / seconds,
        payloadMBps: payload / seconds / 1e6,
        wireMBps: res.body.length / seconds / 1e6,
      });
    }
  } finally {
    client.close();
  }
  runs.sort((a, b) => a.chunksPerSecond - b.chunksPerSecond);
  return runs[Math.floor(runs.length / 2)]!;
}
