/**
 * Streaming through the real connector: the echo adapter started with `--chunks n` streams the caller's
 * message back n times, one chunk each. Timed as in measure/streaming.ts (SSE request to end of body), with a message
 * as long as the bare client's average chunk (160 bytes); the connector suite takes turns with the bare client.
 */
import type { HttpClient } from "../lib/http-load.ts";
import type { RelayTarget } from "../lib/relay-target.ts";
import { STREAMING } from "./streaming.ts";

const ECHO_BODY = JSON.stringify({ message: "m".repeat(160) });

/** One streamed echo through `connect echo --chunks n`: the run's chunks/s. */
export async function echoStreamOnce(
  target: RelayTarget,
  client: HttpClient,
): Promise<{ chunksPerSecond: number }> {
  const started = performance.now();
  const res = await client.post(target.messagesPath, ECHO_BODY, "text/event-stream");
  const seconds = (performance.now() - started) / 1000;
  const text = res.body.toString();
  const chunks = text.split("event: chunk\n").length - 1;
  if (res.status !== 200 || chunks !== STREAMING.chunks || !text.includes("event: done\n"))
    throw new Error(`connector streaming: status ${res.status}, ${chunks} of ${STREAMING.chunks} chunks`);
  return { chunksPerSecond: chunks / seconds };
}
