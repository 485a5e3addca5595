/**
 * What the Worker (the hub) and an agent's Durable Object say to each other over `stub.fetch`: the control
 * routes, and the newline-delimited JSON events a relayed call streams back (one JSON object per line).
 */
import type { ChunkKind, DoneFrame } from "../../gateway/src/protocol/index.ts";
import type { RelaySink } from "../../gateway/src/relay/types.ts";

/** Paths on the object's internal origin; only the Worker can reach them (objects have no public URL). */
export const ObjectRoute = {
  connect: "https://agent/connect",
  relay: "https://agent/relay",
  attach: "https://agent/attach",
  answer: "https://agent/answer",
  cancel: "https://agent/cancel",
  taskQueued: "https://agent/task-queued",
  disconnectToken: "https://agent/disconnect-token",
  disconnectAgent: "https://agent/disconnect-agent",
} as const;

export type RelayEvent =
  | { type: "chunk"; seq: number; kind: ChunkKind; delta: string }
  | { type: "gap"; after: number; next: number }
  | { type: "done"; frame: DoneFrame }
  | { type: "error"; code: string; message: string }
  | { type: "keepalive" };

const encoder = new TextEncoder();

/** A sink that writes each call as one NDJSON line; `onBroken` runs once if the reader is gone. */
export function ndjsonSink(writer: WritableStreamDefaultWriter<Uint8Array>, onBroken: () => void): RelaySink {
  let broken = false;
  const write = (event: RelayEvent, last = false) => {
    if (broken) return;
    writer.write(encoder.encode(`${JSON.stringify(event)}\n`)).catch(() => {
      if (broken) return;
      broken = true;
      onBroken();
    });
    if (last) writer.close().catch(() => {});
  };
  return {
    chunk: (seq, kind, delta) => write({ type: "chunk", seq, kind, delta }),
    gap: (after, next) => write({ type: "gap", after, next }),
    done: (frame) => write({ type: "done", frame }, true),
    error: (code, message) => write({ type: "error", code, message }, true),
    keepalive: () => write({ type: "keepalive" }),
  };
}

/** A call's events being read into its sink (`pumpEvents`). */
export interface EventPump {
  /** Ends once the stream has ended, broken off, or been stopped. */
  readonly done: Promise<void>;
  /** The caller left: stop reading, so the object sees its writes fail and lets go of the call. Idempotent. */
  stop(): void;
}

/**
 * Reads an NDJSON event stream into a sink. A stream that ends without `done`/`error` (the object was evicted
 * or restarted mid-call) fails the call with `agent_offline`, so the caller always gets exactly one ending.
 */
export function pumpEvents(body: ReadableStream<Uint8Array>, sink: RelaySink): EventPump {
  // `stop` may run for another request than the one reading: the unread budget cuts the stream holding the most
  // from whichever stream's write passed the limit. workerd refuses I/O on one request's objects from another's (a
  // reader canceled from there, or an AbortSignal aborted, threw or broke the read, and the call went on with
  // nobody reading it), and a promise settled there runs its continuations there too. So `stop` only marks the
  // pump, and the loop, in its own request, cancels the reader at its next read: the object writes at least a
  // keepalive every `AGENT_MESH_KEEPALIVE_MS`. A caller that leaves by closing its connection ends its request,
  // which cancels the read at once.
  let stopped = false;
  return {
    done: readEvents(body.getReader(), sink, () => stopped),
    stop() {
      stopped = true;
    },
  };
}

async function readEvents(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  sink: RelaySink,
  stopped: () => boolean,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  let ended = false;
  const handle = (line: string) => {
    if (!line || ended || stopped()) return;
    const event = JSON.parse(line) as RelayEvent;
    if (event.type === "chunk") sink.chunk(event.seq, event.kind, event.delta);
    else if (event.type === "keepalive") sink.keepalive?.();
    else if (event.type === "gap") sink.gap?.(event.after, event.next);
    else {
      ended = true;
      if (event.type === "done") sink.done(event.frame);
      else sink.error(event.code, event.message);
    }
  };
  try {
    for (;;) {
      const { value: part, done } = await reader.read();
      if (done) break;
      if (stopped()) {
        await reader.cancel().catch(() => {});
        break;
      }
      buffered += decoder.decode(part, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        handle(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
      }
    }
    handle(buffered);
  } catch {
    // The object's response broke off; reported below like any other early end.
  }
  if (!ended && !stopped())
    sink.error("agent_offline", "The agent's connection was lost while answering; retry.");
}
