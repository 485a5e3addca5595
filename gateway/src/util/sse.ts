/** Small pieces every SSE answer shares, whichever door sends it. */
import { readPermissionDelta } from "../protocol/index.ts";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
} as const;

/** The seq a re-attaching caller last saw, from `Last-Event-ID` (or `?after=`); 0 when absent or not a number. */
export function afterSeqOf(value: string | undefined): number {
  if (!value) return 0;
  // Task streams may prefix the turn (`2:17`); the seq is the last part.
  const seq = Number(value.slice(value.lastIndexOf(":") + 1));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

/**
 * One relayed chunk as an SSE event with `id: <seq>`. A permission prompt is its own event (`permission`, with
 * the prompt parsed), so a caller that only knows chunks never mistakes it for text; so is a prompt the agent
 * withdrew (`permission_withdrawn`, with the withdrawal parsed: decided by itself, e.g. on its timeout).
 */
export function sseChunk(seq: number, kind: string, delta: string): string {
  if (kind === "permission") {
    const read = readPermissionDelta(delta);
    if (read && "withdrawal" in read) {
      const data = { seq, kind, delta, withdrawal: read.withdrawal };
      return `event: permission_withdrawn\nid: ${seq}\ndata: ${JSON.stringify(data)}\n\n`;
    }
    let prompt: unknown = null;
    try {
      prompt = JSON.parse(delta);
    } catch {
      // Shown as sent; it cannot be answered.
    }
    return `event: permission\nid: ${seq}\ndata: ${JSON.stringify({ seq, kind, delta, prompt })}\n\n`;
  }
  return `event: chunk\nid: ${seq}\ndata: ${JSON.stringify({ seq, delta, kind })}\n\n`;
}

/**
 * The chunks after `afterSeq` and before `nextSeq` never reached the gateway (`RelaySink.gap`). Its `id` is the last
 * seq it covers, so a caller that re-attaches after it is not told again.
 */
export function sseGap(afterSeq: number, nextSeq: number): string {
  const first = afterSeq + 1;
  const last = nextSeq - 1;
  const data = {
    code: "output_lost",
    after: afterSeq,
    next: nextSeq,
    message: `${first === last ? `Chunk ${first}` : `Chunks ${first}-${last}`} of the agent's output never reached the gateway (its connector no longer had them when its link came back); the result at the end is whole.`,
  };
  return `event: gap\nid: ${last}\ndata: ${JSON.stringify(data)}\n\n`;
}
