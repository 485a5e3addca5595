/**
 * What every bench agent answers: `stream <count>` streams that many text chunks of 64–256 bytes (bench/lib/chunks.ts)
 * and finishes with "ok"; any other message is echoed in one chunk and as the result.
 */
import type { RequestReply } from "../../connector/src/client/agent-client.ts";
import type { RequestFrame } from "../../gateway/src/protocol/index.ts";
import { chunkSize } from "../lib/chunks.ts";

const PAYLOAD = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(8).slice(0, 256);

export function answerBenchRequest(request: RequestFrame, reply: RequestReply): void {
  const match = /^stream (\d+)$/.exec(request.message);
  if (match) {
    const count = Number(match[1]);
    for (let i = 0; i < count; i++) reply.chunk(PAYLOAD.slice(0, chunkSize(i)));
    reply.done("ok");
    return;
  }
  reply.chunk(request.message);
  reply.done(request.message);
}
