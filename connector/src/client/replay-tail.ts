/**
 * The frames of one request kept for sending again after a reconnect, from the seq the gateway says it has.
 * The gateway needs only what it did not receive: the frames not sent yet (`unsent`: all of them while the link is
 * down; on a link slower than the agent writes, the backlog waiting in the connector) and those in flight when the
 * link dropped (the kernel's buffers: a few MB at most), while a request's output can be far larger (an exec
 * agent's log). So a request keeps the tail of its frames: at least `KEPT_CHARS` besides the unsent ones, let go in
 * bulk once as much again piles up, so a long stream does not move the array on every frame. Before the unsent
 * ones were counted, a slow link that dropped with 50 MB still to send lost all but the last 16–32 MiB of them, and
 * the caller's stream skipped those seqs. A gateway that lost more (it restarted; it keeps no chunks of a turn from
 * before then anyway) gets the tail, its seqs jumping.
 * @module
 */

/** Characters of a request's latest frames always kept. */
export const KEPT_CHARS = 16 * 1024 * 1024;

export class ReplayTail {
  readonly #unsent: () => number;
  #frames: string[] = [];
  /** Frames let go from the front: `#frames[i]` is the frame of seq `#dropped + i + 1`. */
  #dropped = 0;
  #chars = 0;

  /**
   * `unsent`: characters of the connection's frames not handed to the kernel yet (Infinity while it is down). They
   * are the newest, so keeping that many more keeps every one of this request's.
   */
  constructor(unsent: () => number = () => 0) {
    this.#unsent = unsent;
  }

  /** Keeps the frame of the next seq. */
  push(frame: string): void {
    this.#frames.push(frame);
    this.#chars += frame.length;
    if (this.#chars <= 2 * KEPT_CHARS) return;
    const keep = KEPT_CHARS + this.#unsent();
    if (this.#chars > keep + KEPT_CHARS) this.#trim(keep);
  }

  /** The kept frames of the seqs after `seq`. */
  after(seq: number): string[] {
    return this.#frames.slice(Math.max(0, seq - this.#dropped));
  }

  /** The seq of the oldest frame kept (1 until the tail lets go of any). */
  get firstSeq(): number {
    return this.#dropped + 1;
  }

  /** Characters kept. */
  get chars(): number {
    return this.#chars;
  }

  #trim(keep: number): void {
    let count = 0;
    // The last frame always stays: it may be the request's ending.
    while (this.#chars > keep && count < this.#frames.length - 1) {
      this.#chars -= this.#frames[count]!.length;
      count++;
    }
    this.#frames.splice(0, count);
    this.#dropped += count;
  }
}
