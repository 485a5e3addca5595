/**
 * A request the gateway has sent to an agent and not yet finished. It outlives the socket it was sent on:
 * when the agent drops, it waits out the grace window for the agent to come back and resume by seq. It also
 * outlives its callers: it keeps the chunks it relayed (bounded), so a caller whose connection dropped can
 * re-attach and get every chunk it missed, once (`attach` with the last seq it saw).
 */

import {
  type ChunkKind,
  type DoneFrame,
  PROMPTS_SINCE_VERSION,
  type PromptAnswer,
} from "../protocol/index.ts";
import { extended } from "../util/extended.ts";
import type { AgentConnection } from "./connection.ts";
import { PromptBook } from "./prompt-book.ts";
import type { PromptAnswerOutcome, RelayCall, RelaySink } from "./types.ts";

/** How much of a request's output is kept for callers that re-attach. Older chunks are dropped first. */
export const HISTORY_LIMITS = { chunks: 10_000, chars: 4 * 1024 * 1024 };
/** What keeping a chunk costs besides its text (its record and the array's slot), in bytes. */
const KEPT_CHUNK_OVERHEAD = 64;

/**
 * Bytes a kept chunk holds, as the node's limit counts them (resume-budget.ts): a character each, which is what
 * Latin-1 text takes in memory (other text takes two), and the chunk's record.
 */
export function keptBytesOf(delta: string): number {
  return delta.length + KEPT_CHUNK_OVERHEAD;
}

interface RelayedChunk {
  seq: number;
  kind: ChunkKind;
  delta: string;
  /** Set when chunks before this one never arrived (`RelaySink.gap`): the seq after which they were lost. */
  lostAfter?: number;
}

type Outcome = { done: DoneFrame } | { error: { code: string; message: string } };

/** A live call's limits (see `RelayCall.timeoutMs`): a whole-call deadline, or an idle window of `idleMs`. */
export function liveCallLimits(call: RelayCall, idleMs: number, now: number) {
  return call.timeoutMs === undefined
    ? { isTask: false, deadline: null, idleTimeoutMs: idleMs, now }
    : { isTask: false, deadline: now + call.timeoutMs, idleTimeoutMs: null, now };
}

/** "ended": the request was already over; the follower got the rest and the ending at once. */
export type AttachResult = "attached" | "ended" | "gap";

export class PendingRequest {
  readonly call: RelayCall;
  readonly isTask: boolean;
  /** Highest seq passed to the sinks; lower or equal seqs are replays and are dropped. */
  lastSeq = 0;
  /** Timestamp (ms) of the last frame from the agent, or of dispatch. */
  lastActivity: number;
  /** Timestamp (ms) of the last thing written to the sinks (chunk or keepalive). */
  lastWriteAt: number;
  /** When set, the request fails (or its task is re-queued) at this time unless its agent resumes it. */
  graceDeadline: number | null = null;
  /** Absolute deadline of the whole request (sync and task timeouts). */
  deadline: number | null;
  /** Idle deadline span for live streams (no frame for this long = timeout). */
  readonly idleTimeoutMs: number | null;
  /** A live request whose every caller left: canceled at this time unless one re-attaches. */
  orphanDeadline: number | null = null;
  /** Sinks that never detach (a task's store writer); callers come and go beside them. */
  readonly #owners: RelaySink[];
  #callers: RelaySink[] = [];
  #history: RelayedChunk[] = [];
  #historyChars = 0;
  /** Seq of the oldest chunk still in `#history` minus one: resuming from before it is impossible. */
  #droppedThrough = 0;
  #outcome: Outcome | null = null;
  /** Set when chunks just before the ending never arrived: the seq after which they were lost. */
  #lostBeforeEnd: number | undefined;
  /**
   * The request's permission prompts and the answers sent (see `answerPrompt`), until it ends. Made on the first
   * prompt: most requests never ask, and a relayed call allocated its maps for nothing.
   */
  #prompts: PromptBook | null = null;
  /** A task's: settles once its outcome is saved (its agent's final frame is acked only then). */
  outcomeStored: Promise<void> | undefined;
  /** Set while a task's ending waits for its save before callers are told (see #announce). */
  #endingTold: Promise<void> | undefined;

  constructor(
    call: RelayCall,
    sink: RelaySink,
    options: { isTask: boolean; deadline: number | null; idleTimeoutMs: number | null; now: number },
  ) {
    this.call = call;
    this.isTask = options.isTask;
    // A task's sink records its outcome; a live call's sink is its first caller, who may leave and come back.
    this.#owners = options.isTask ? [sink] : [];
    if (!options.isTask) this.#callers.push(sink);
    this.deadline = options.deadline;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.lastActivity = options.now;
    this.lastWriteAt = options.now;
  }

  get finished(): boolean {
    return this.#outcome !== null;
  }

  /** Characters of relayed chunks still kept for re-attaching callers. */
  get historyChars(): number {
    return this.#historyChars;
  }

  /** Bytes of output kept for re-attaching callers, as the node's limit counts them (`keptBytesOf`). */
  get keptBytes(): number {
    return this.#historyChars + this.#history.length * KEPT_CHUNK_OVERHEAD;
  }

  /**
   * Forgets the output kept for re-attaching callers (the node keeps too much): a caller that re-attaches from
   * before now gets "gap", as past `HISTORY_LIMITS`; chunks from now on are kept again.
   */
  forgetKept(): void {
    const last = this.#history.at(-1);
    if (!last) return;
    this.#droppedThrough = last.seq;
    this.#history = [];
    this.#historyChars = 0;
  }

  /** Callers currently following the request (not counting a task's store writer). */
  get callerCount(): number {
    return this.#callers.length;
  }

  /**
   * Passes a chunk on unless it is a replay of one already delivered (exactly-once across reconnects). A seq past
   * the next one means the chunks between never arrived: the sinks are told so (`gap`) before it, not left to guess.
   */
  chunk(seq: number, kind: ChunkKind, delta: string, now: number): void {
    this.lastActivity = now;
    if (seq <= this.lastSeq || this.#outcome) return;
    const lostAfter = this.lastSeq;
    this.lastSeq = seq;
    this.lastWriteAt = now;
    if (kind === "permission") this.#book().note(delta);
    if (seq === lostAfter + 1) this.#remember({ seq, kind, delta });
    else {
      this.#remember({ seq, kind, delta, lostAfter });
      this.#tellGap(lostAfter, seq);
    }
    for (const sink of this.#owners) sink.chunk(seq, kind, delta);
    for (const sink of this.#callers) sink.chunk(seq, kind, delta);
  }

  done(frame: DoneFrame): void {
    if (this.#outcome) return;
    if (frame.seq > this.lastSeq + 1) {
      this.#lostBeforeEnd = this.lastSeq;
      this.#tellGap(this.lastSeq, frame.seq);
    }
    this.#outcome = { done: frame };
    this.lastSeq = frame.seq;
    this.#announce((sink) => sink.done(frame));
  }

  fail(code: string, message: string): void {
    if (this.#outcome) return;
    this.#outcome = { error: { code, message } };
    this.#announce((sink) => sink.error(code, message));
  }

  /**
   * Tells everyone the request ended. A task's store writer hears it first and the others once the outcome is
   * saved (or saving gave up): whoever saw a task end — a stream here, a follower on another node — then reads it
   * ended too (GetTask, SubscribeToTask), never still working.
   */
  #announce(tell: (sink: RelaySink) => void): void {
    const [writer, ...others] = this.#owners;
    const rest = [...others, ...this.#callers];
    this.#callers = [];
    if (!this.outcomeStored || !writer) {
      if (writer) tell(writer);
      for (const sink of rest) tell(sink);
      return;
    }
    tell(writer);
    const tellRest = () => {
      for (const sink of rest) tell(sink);
    };
    this.#endingTold = this.outcomeStored.then(tellRest, tellRest);
  }

  #tellGap(afterSeq: number, nextSeq: number): void {
    for (const sink of this.#owners) sink.gap?.(afterSeq, nextSeq);
    for (const sink of this.#callers) sink.gap?.(afterSeq, nextSeq);
  }

  keepalive(now: number): void {
    this.lastWriteAt = now;
    if (this.#outcome) return;
    for (const sink of this.#callers) sink.keepalive?.();
  }

  /**
   * Adds a caller that saw every chunk up to `afterSeq`: it gets the chunks after that (and the ending, if the
   * request already ended), then follows live. "gap" when chunks it needs were already dropped from the history.
   */
  attach(sink: RelaySink, afterSeq: number): AttachResult {
    if (afterSeq < this.#droppedThrough) return "gap";
    for (const chunk of this.#history) {
      if (chunk.seq <= afterSeq) continue;
      if (chunk.lostAfter !== undefined && chunk.seq - 1 > afterSeq)
        sink.gap?.(Math.max(afterSeq, chunk.lostAfter), chunk.seq);
      sink.chunk(chunk.seq, chunk.kind, chunk.delta);
    }
    const outcome = this.#outcome;
    if (!outcome) {
      this.#callers.push(sink);
      this.orphanDeadline = null;
      return "attached";
    }
    const tell = () => {
      if ("done" in outcome) {
        const lostAfter = this.#lostBeforeEnd;
        if (lostAfter !== undefined && outcome.done.seq - 1 > afterSeq)
          sink.gap?.(Math.max(afterSeq, lostAfter), outcome.done.seq);
        sink.done(outcome.done);
      } else sink.error(outcome.error.code, outcome.error.message);
    };
    // A task's ending is told once it is saved (see #announce), also to a caller that comes in meanwhile.
    if (this.#endingTold) this.#endingTold.then(tell);
    else tell();
    return "ended";
  }

  /** Adds a sink that gets everything from now on and never counts as a caller (a cluster's shared output log). */
  addOwner(sink: RelaySink): void {
    this.#owners.push(sink);
  }

  /** Removes a caller; returns how many are left. */
  detach(sink: RelaySink): number {
    this.#callers = this.#callers.filter((s) => s !== sink);
    return this.#callers.length;
  }

  /** The earliest time `due` could return something. */
  nextCheckAt(keepaliveMs: number): number {
    let at = this.graceDeadline ?? Number.POSITIVE_INFINITY;
    if (this.deadline !== null) at = Math.min(at, this.deadline);
    if (this.orphanDeadline !== null) at = Math.min(at, this.orphanDeadline);
    if (this.idleTimeoutMs !== null) at = Math.min(at, this.lastActivity + this.idleTimeoutMs + 1);
    if (this.#callers.length > 0 && this.graceDeadline === null)
      at = Math.min(at, this.lastWriteAt + keepaliveMs);
    return at;
  }

  /** What the sweep must do now: give up (grace over), time out, cancel an orphan, send a keepalive, or nothing. */
  due(now: number, keepaliveMs: number): "grace" | "timeout" | "orphaned" | "keepalive" | null {
    if (this.graceDeadline !== null && now >= this.graceDeadline) return "grace";
    if (this.deadline !== null && now >= this.deadline) return "timeout";
    if (this.idleTimeoutMs !== null && now - this.lastActivity > this.idleTimeoutMs) return "timeout";
    if (this.orphanDeadline !== null && now >= this.orphanDeadline) return "orphaned";
    const isWaiting = this.graceDeadline === null && this.#callers.length > 0;
    return isWaiting && now - this.lastWriteAt >= keepaliveMs ? "keepalive" : null;
  }

  /**
   * Ends a task's delivery here without an outcome for its owners. `requeued`: it went back to the queue (owners
   * that want to know are told `requeued`); callers are told `task_requeued`, so they wait for its next delivery,
   * which starts from seq 1. `moved`: the agent took it to another cluster node, where this delivery goes on;
   * callers are told `task_moved`, so they follow it there from the last seq they saw.
   */
  abandon(how: "requeued" | "moved" = "requeued"): void {
    if (this.#outcome) return;
    const [code, message] =
      how === "requeued"
        ? ["task_requeued", "The task went back to the queue."]
        : ["task_moved", "The task's agent took it to another gateway node, where it goes on."];
    this.#outcome = { error: { code, message } };
    if (how === "requeued") for (const sink of this.#owners) sink.requeued?.();
    for (const sink of this.#callers) sink.error(code, message);
    this.#callers = [];
  }

  /**
   * Sends a caller's answer to one of this request's open prompts over `link`, the agent's socket (if any). It is
   * kept until the request ends and sent again when the agent resumes the request on a new socket (`resendAnswers`):
   * the socket it went on may have died with it unread, and with no socket now (the agent is reconnecting) the next
   * one takes it. The connector drops an answer to a prompt it no longer holds, so one that arrived is not taken twice.
   */
  answerPrompt(link: AgentConnection | null, answer: PromptAnswer): PromptAnswerOutcome {
    const verdict = this.#prompts?.verdict(answer.prompt_id) ?? "not_found";
    if (verdict !== "open") return verdict;
    if (link && (link.identity?.protocol ?? 1) < PROMPTS_SINCE_VERSION) return "unsupported";
    const frame = this.keepAnswer(answer); // kept also with no socket now: `link?.send(…)` would skip its argument
    link?.send(frame);
    return "sent";
  }

  /**
   * Keeps an answer to send on resume (`resendAnswers`): one given here, or before this process took the request up
   * (a task's record keeps them; in a cluster, one another node took for a live call). Returns its frame.
   */
  keepAnswer(answer: PromptAnswer): object {
    this.#book().keep(answer);
    return this.#inputFrame(answer);
  }

  /**
   * Takes up the prompts and withdrawals of permission chunks relayed before this process held the request (a
   * cluster node adopting a live call whose output went on from the log's last seq): a prompt still open there can
   * be answered here.
   */
  replayPermissions(deltas: string[]): void {
    for (const delta of deltas) this.#book().note(delta);
  }

  /** The request's prompts, made on first use. */
  #book(): PromptBook {
    if (!this.#prompts) this.#prompts = new PromptBook();
    return this.#prompts;
  }

  /** Sends the answers given so far on the socket the agent resumed this request on (see `answerPrompt`). */
  resendAnswers(link: AgentConnection): void {
    for (const answer of this.#prompts?.answered ?? []) link.send(this.#inputFrame(answer));
  }

  #inputFrame(answer: PromptAnswer): object {
    // The frame's own fields last: whatever a door let through in `answer` can never retype or re-aim the frame.
    return extended(answer, { type: "input" as const, id: this.call.requestId });
  }

  #remember(chunk: RelayedChunk): void {
    this.#history.push(chunk);
    this.#historyChars += chunk.delta.length;
    while (
      this.#history.length > HISTORY_LIMITS.chunks ||
      (this.#historyChars > HISTORY_LIMITS.chars && this.#history.length > 1)
    ) {
      const dropped = this.#history.shift()!;
      this.#historyChars -= dropped.delta.length;
      this.#droppedThrough = dropped.seq;
    }
  }
}
