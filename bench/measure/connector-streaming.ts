/**
 * Streaming through the real connector: the echo adapter started with `--chunks n` streams the caller's
 * message back n times, one chunk each. Same timing as measure/streaming.ts (SSE request to end of body, median
 * of the runs after one warm-up), with a message as long as the bare client's average chunk (160 bytes).
 */
import { httpClient } from "../lib/http-load.ts";
import type { RelayTarget } from "../lib/relay-target.ts";
import { STREAMING } from "./streaming.ts";

export const ECHO_MESSAGE = "m".repeat(160);

export async function measureEchoStreaming(target: RelayTarget): Promise<number> {
  const client = httpClient(target.url, target.token, 1);
  const body = JSON.stringify({ message: ECHO_MESSAGE });
  const rates: number[] = [];
  try {
    for (let run = 0; run <= STREAMING.runs; run++) {
      const started = performance.now();
      const res = await client.post(target.messagesPath, body, "text/event-stream");
      const seconds = (performance.now() - started) / 1000;
      const text = res.body.toString();
      const chunks = text.split("event: chunk\n").length - 1;
      if (res.status !== 200 || chunks !== STREAMING.chunks || !text.includes("event: done\n"))
        throw new Error(`connector streaming: status ${res.status}, ${chunks} of ${STREAMING.chunks} chunks`);
      if (run > 0) rates.push(chunks / seconds);
    }
  } finally {
    client.close();
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}
