/**
 * The connector's local request queue: at most `maxConcurrent` requests run at once, requests of the same
 * session run strictly one after another in arrival order, and at most `maxQueued` wait (beyond that:
 * `agent_busy`, at once). In-process and event-driven: no polling, no files, no locks.
 * @module
 */
import { AgentRunError } from "../agents/types.ts";

export interface QueueOptions {
  /** Requests running at once. Default 10. */
  maxConcurrent?: number;
  /** Requests waiting for a slot. Default 100. */
  maxQueued?: number;
}

interface Waiter {
  sessionKey: string;
  start: () => void;
}

export class RequestQueue {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  #running = 0;
  /** Sessions with a request running right now. */
  readonly #busySessions = new Set<string>();
  /** Waiting requests in arrival order. */
  readonly #waiting: Waiter[] = [];

  constructor(options: QueueOptions = {}) {
    this.maxConcurrent = positive(options.maxConcurrent ?? 10, "maxConcurrent");
    this.maxQueued = Math.max(0, Math.floor(options.maxQueued ?? 100));
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `task` once a slot is free and no earlier request of `sessionKey` is running or waiting. Rejects with
   * `agent_busy` when the wait queue is full, `canceled` when `signal` aborts while waiting. Once started, the
   * task owns cancellation (it receives the same signal through its own request).
   */
  run<T>(sessionKey: string, signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    if (signal?.aborted)
      return Promise.reject(new AgentRunError("canceled", "The request was canceled before it started."));
    const startNow =
      this.#running < this.maxConcurrent &&
      !this.#busySessions.has(sessionKey) &&
      !this.#hasWaiting(sessionKey);
    if (!startNow && this.#waiting.length >= this.maxQueued) {
      return Promise.reject(
        new AgentRunError(
          "agent_busy",
          `The agent is busy (${this.#running} running, ${this.#waiting.length} waiting); retry later.`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const execute = () => {
        this.#running++;
        this.#busySessions.add(sessionKey);
        // Deferred by a microtask so a task that throws synchronously still releases its slot.
        Promise.resolve()
          .then(task)
          .then(resolve, reject)
          .finally(() => {
            this.#running--;
            this.#busySessions.delete(sessionKey);
            this.#drain();
          });
      };
      if (startNow) return execute();
      const waiter: Waiter = {
        sessionKey,
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          execute();
        },
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(waiter);
        if (index === -1) return;
        this.#waiting.splice(index, 1);
        reject(new AgentRunError("canceled", "The request was canceled while waiting for a slot."));
        // A canceled head-of-session may unblock the session's next request.
        this.#drain();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #hasWaiting(sessionKey: string): boolean {
    return this.#waiting.some((w) => w.sessionKey === sessionKey);
  }

  /** Starts waiting requests in arrival order, skipping sessions that already have one running. */
  #drain(): void {
    const blocked = new Set(this.#busySessions);
    for (let i = 0; i < this.#waiting.length && this.#running < this.maxConcurrent; ) {
      const waiter = this.#waiting[i]!;
      if (blocked.has(waiter.sessionKey)) {
        i++;
        continue;
      }
      this.#waiting.splice(i, 1);
      blocked.add(waiter.sessionKey);
      waiter.start();
    }
  }
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}.`);
  return value;
}
