/**
 * Live calls that ended lately, kept for the resume window so a caller whose stream broke can re-attach and get
 * the ending. Bounded: past `MAX_RECENT` the oldest go first (a Map iterates in insertion order).
 */
import type { PendingRequest } from "./pending.ts";

const MAX_RECENT = 2_000;
/** An ending this small is kept even while its caller is still attached (see `keep`). */
const SMALL_ENDING_CHARS = 16 * 1024;

export class RecentEndings {
  readonly #windowMs: number;
  readonly #byRequest = new Map<string, { pending: PendingRequest; until: number }>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /**
   * Keeps a live call's ending when its caller is away (a dropped stream), and also when it is small: a caller
   * whose connection broke just as the call ended may not have been seen leaving yet. Never tasks (they have their
   * own record) nor calls nobody can come back to: thousands a second would keep every ending alive meanwhile.
   */
  keep(pending: PendingRequest): void {
    if (pending.isTask || pending.call.resumable === false) return;
    if (pending.callerCount > 0 && pending.historyChars > SMALL_ENDING_CHARS) return;
    this.#byRequest.set(pending.call.requestId, { pending, until: Date.now() + this.#windowMs });
    if (this.#byRequest.size > MAX_RECENT) this.#byRequest.delete(this.#byRequest.keys().next().value!);
  }

  get(requestId: string): PendingRequest | undefined {
    return this.#byRequest.get(requestId)?.pending;
  }

  /** The requests whose endings are kept. */
  *requests(): Iterable<PendingRequest> {
    for (const recent of this.#byRequest.values()) yield recent.pending;
  }

  /** Forgets the endings whose window is over. */
  sweep(now: number): void {
    for (const [requestId, recent] of this.#byRequest)
      if (now >= recent.until) this.#byRequest.delete(requestId);
  }
}
