/**
 * The two ways a live caller waits for an agent: an SSE stream of chunks, or one JSON answer.
 * Both are `RelaySink`s fed by the hub; neither stores anything.
 */
import type { ChunkKind, DoneFrame } from "../protocol/index.ts";
import { sseChunk, sseGap } from "../util/sse.ts";
import { createSseBody } from "../util/sse-body.ts";
import type { UnreadBudget } from "../util/unread-budget.ts";
import type { RelaySink } from "./types.ts";

export interface DonePayload {
  result: string;
  session_id: string;
  attachments: DoneFrame["attachments"];
}

/**
 * An SSE body: `event: chunk|gap|done|error` frames and keepalive comments. Chunks and done carry `id: <seq>`, so a
 * caller that lost the stream can re-attach with `Last-Event-ID` and get the rest. `onCancel` runs if the
 * caller leaves, or is cut off for leaving too much unread (sse-body.ts).
 */
export function createSseSink(
  sessionId: string,
  unread: UnreadBudget,
  onCancel: () => void,
): { sink: RelaySink; body: ReadableStream<Uint8Array> } {
  const { body, write, end } = createSseBody(unread, onCancel);
  const sink: RelaySink = {
    chunk(seq: number, kind: ChunkKind, delta: string) {
      write(sseChunk(seq, kind, delta));
    },
    gap(afterSeq: number, nextSeq: number) {
      write(sseGap(afterSeq, nextSeq));
    },
    done(frame) {
      const payload: DonePayload = {
        result: frame.result,
        session_id: sessionId,
        attachments: frame.attachments ?? [],
      };
      write(`event: done\nid: ${frame.seq}\ndata: ${JSON.stringify(payload)}\n\n`);
      end();
    },
    error(code, message) {
      write(`event: error\ndata: ${JSON.stringify({ code, message })}\n\n`);
      end();
    },
    keepalive() {
      write(": keepalive\n\n");
    },
  };
  return { sink, body };
}

export type SyncOutcome = { ok: true; frame: DoneFrame } | { ok: false; code: string; message: string };

const IGNORE_CHUNK: RelaySink["chunk"] = () => {};

/**
 * Collects a live call into one outcome; chunks only reach `onChunk` (progress), if given. A class, so a call
 * creates no closures for `done` and `error` (under tsx, each named closure also costs a `name` definition).
 */
class SyncSink implements RelaySink {
  readonly chunk: RelaySink["chunk"];
  readonly outcome: Promise<SyncOutcome>;
  #settle!: (outcome: SyncOutcome) => void;

  constructor(onChunk: RelaySink["chunk"]) {
    this.chunk = onChunk;
    this.outcome = new Promise<SyncOutcome>((resolve) => {
      this.#settle = resolve;
    });
  }

  done(frame: DoneFrame): void {
    this.#settle({ ok: true, frame });
  }

  error(code: string, message: string): void {
    this.#settle({ ok: false, code, message });
  }
}

export function createSyncSink(onChunk: RelaySink["chunk"] = IGNORE_CHUNK): {
  sink: RelaySink;
  outcome: Promise<SyncOutcome>;
} {
  const sink = new SyncSink(onChunk);
  return { sink, outcome: sink.outcome };
}
