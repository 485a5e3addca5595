/**
 * A request the gateway has sent to an agent and not yet finished. It outlives the socket it was sent on:
 * when the agent drops, it waits out the grace window for the agent to come back and resume by seq.
 */
import type { ChunkKind, DoneFrame } from "../protocol/index.ts";
import type { RelayCall, RelaySink } from "./types.ts";

export class PendingRequest {
  readonly call: RelayCall;
  readonly isTask: boolean;
  /** Highest seq passed to the sink; lower or equal seqs are replays and are dropped. */
  lastSeq = 0;
  /** Timestamp (ms) of the last frame from the agent, or of dispatch. */
  lastActivity: number;
  /** Timestamp (ms) of the last thing written to the sink (chunk or keepalive). */
  lastWriteAt: number;
  /** When set, the request fails (or its task is re-queued) at this time unless its agent resumes it. */
  graceDeadline: number | null = null;
  /** Absolute deadline of the whole request (sync and task timeouts). */
  deadline: number | null;
  /** Idle deadline span for live streams (no frame for this long = timeout). */
  readonly idleTimeoutMs: number | null;
  #sink: RelaySink;
  #finished = false;

  constructor(
    call: RelayCall,
    sink: RelaySink,
    options: { isTask: boolean; deadline: number | null; idleTimeoutMs: number | null; now: number },
  ) {
    this.call = call;
    this.#sink = sink;
    this.isTask = options.isTask;
    this.deadline = options.deadline;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.lastActivity = options.now;
    this.lastWriteAt = options.now;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Passes a chunk on unless it is a replay of one already delivered (exactly-once across reconnects). */
  chunk(seq: number, kind: ChunkKind, delta: string, now: number): void {
    this.lastActivity = now;
    if (seq <= this.lastSeq || this.#finished) return;
    this.lastSeq = seq;
    this.lastWriteAt = now;
    this.#sink.chunk(seq, kind, delta);
  }

  done(frame: DoneFrame): void {
    if (this.#finished) return;
    this.#finished = true;
    this.lastSeq = frame.seq;
    this.#sink.done(frame);
  }

  fail(code: string, message: string): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#sink.error(code, message);
  }

  keepalive(now: number): void {
    this.lastWriteAt = now;
    if (!this.#finished) this.#sink.keepalive?.();
  }

  /** The earliest time `due` could return something. */
  nextCheckAt(keepaliveMs: number): number {
    let at = this.graceDeadline ?? Number.POSITIVE_INFINITY;
    if (this.deadline !== null) at = Math.min(at, this.deadline);
    if (this.idleTimeoutMs !== null) at = Math.min(at, this.lastActivity + this.idleTimeoutMs + 1);
    if (!this.isTask && this.graceDeadline === null) at = Math.min(at, this.lastWriteAt + keepaliveMs);
    return at;
  }

  /** What the sweep must do now: give up (grace over), time out, send a keepalive, or nothing. */
  due(now: number, keepaliveMs: number): "grace" | "timeout" | "keepalive" | null {
    if (this.graceDeadline !== null && now >= this.graceDeadline) return "grace";
    if (this.deadline !== null && now >= this.deadline) return "timeout";
    if (this.idleTimeoutMs !== null && now - this.lastActivity > this.idleTimeoutMs) return "timeout";
    const isWaiting = this.graceDeadline === null && !this.isTask;
    return isWaiting && now - this.lastWriteAt >= keepaliveMs ? "keepalive" : null;
  }

  /** Ends the request without telling its sink (a task handed back to the queue). */
  abandon(): void {
    this.#finished = true;
  }
}
