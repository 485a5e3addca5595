/**
 * The body of every SSE answer: text written to it leaves as bytes, and text written in one go (an agent's burst of
 * chunks arrives as one socket read) leaves as one piece: one encode and one enqueue per burst, flushed in a
 * microtask, instead of one per event, which the runtime's response writer would otherwise pay for each.
 */
import type { UnreadBudget } from "./unread-budget.ts";

const encoder = new TextEncoder();

/**
 * The first bytes of every SSE answer, a comment that SSE parsers skip. Bun sends a streamed response's headers
 * with its first bytes (Node, Deno and workerd send them at once), so a caller whose agent was slow to start, or
 * whose task waited in the queue, got no headers (and no request id to stop the call with) until the first chunk
 * or keepalive, up to 15 s later.
 */
const OPENING = ": open\n\n";

type Schedule = (flush: () => void) => void;

/** When gathered writes go out: see `gatherSseWritesUntil`. */
let scheduleFlush: Schedule = queueMicrotask;

/**
 * Sets when every SSE body's gathered writes go out, for the whole process: a property of the runtime's event
 * loop, so its entry sets it once at start. The default, a microtask, gathers what one socket read delivered on
 * Node, whose `ws` emits every message of a read before the microtasks run. Bun runs the microtasks after each
 * WebSocket message it hands to JavaScript, and Deno hands each one over as a task of its own, so there a
 * microtask flushed every chunk of a burst alone. Their entries pass `setImmediate`, which runs once the messages
 * that are ready have been handled: a 20,000-chunk stream then relayed about 45% more chunks per second on Deno
 * and about 10% more on Bun (on Node it made no difference).
 */
export function gatherSseWritesUntil(schedule: Schedule): void {
  scheduleFlush = schedule;
}

export interface SseBody {
  readonly body: ReadableStream<Uint8Array>;
  /** Queues text for the caller; ignored once the stream ended or the caller left. */
  write(text: string): void;
  /** Sends what is queued and closes the stream. Idempotent. */
  end(): void;
}

/**
 * The stream's queue is measured in bytes and wants none: its `desiredSize` is then minus the bytes written that
 * the runtime has not taken. Bun, Deno, Node and workerd take only what the socket can send, so those are bytes
 * the caller has not read.
 */
const UNREAD_BYTES = new ByteLengthQueuingStrategy({ highWaterMark: 0 });

/**
 * `onCancel` runs once if the caller leaves before `end`, or is cut off: a caller that leaves more than the
 * budget's `perStreamBytes` unread (it stopped reading, or reads slower than its agent writes) would otherwise make
 * the gateway hold the agent's whole output for it, and the node's callers together are held to its `totalBytes`
 * (unread-budget.ts). Its connection is dropped, as if it had left; it may re-attach.
 */
export function createSseBody(budget: UnreadBudget, onCancel: () => void): SseBody {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Takes writes: not ended, caller not gone. */
  let open = true;
  /** Ended while bytes were still queued: closed once the caller has read them, and counted until then. */
  let ending = false;
  let pending = "";
  const unread = () => -(controller.desiredSize ?? 0);
  const leave = () => {
    share.leave();
    if (!open) return;
    open = false;
    onCancel();
  };
  const cut = (reason: string) => {
    // Erroring the stream drops its queue and the connection; closing it would keep both until read.
    controller.error(new Error(reason));
    leave();
  };
  const share = budget.join(unread, () =>
    cut("the gateway's callers left too much unread; this one the most"),
  );
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        c.enqueue(encoder.encode(OPENING));
      },
      // Called once the caller has read everything queued and asks for more.
      pull() {
        if (!ending) return;
        ending = false;
        controller.close();
        share.leave();
      },
      cancel: leave,
    },
    UNREAD_BYTES,
  );
  const flush = () => {
    if (!open || pending === "") return;
    const text = pending;
    pending = "";
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      // The caller is gone; the stream's cancel hook already ran.
      open = false;
      return;
    }
    const bytes = unread();
    if (bytes > budget.perStreamBytes) cut(`the caller left more than ${budget.perStreamBytes} bytes unread`);
    else share.hold(bytes);
  };
  return {
    body,
    write(text) {
      if (!open) return;
      if (pending === "") scheduleFlush(flush);
      pending += text;
    },
    end() {
      flush();
      if (!open) return;
      open = false;
      if (unread() > 0) {
        ending = true;
        return;
      }
      controller.close();
      share.leave();
    },
  };
}
