/**
 * The frames of one request kept for sending again after a reconnect, from the seq the gateway says it has.
 * The gateway needs only what it did not receive, the frames in flight when the link dropped (the sockets'
 * buffers: a few MB at most), while a request's output can be far larger (an exec agent's log). So a request keeps
 * the tail of its frames: at least `KEPT_CHARS`, let go in bulk once twice that piles up, so a long stream does
 * not move the array on every frame. A gateway that lost more (it restarted; it keeps no chunks of a turn from
 * before then anyway) gets the tail, its seqs jumping.
 * @module
 */

/** Characters of a request's latest frames always kept. */
export const KEPT_CHARS = 16 * 1024 * 1024;

export class ReplayTail {
  #frames: string[] = [];
  /** Frames let go from the front: `#frames[i]` is the frame of seq `#dropped + i + 1`. */
  #dropped = 0;
  #chars = 0;

  /** Keeps the frame of the next seq. */
  push(frame: string): void {
    this.#frames.push(frame);
    this.#chars += frame.length;
    if (this.#chars > 2 * KEPT_CHARS) this.#trim();
  }

  /** The kept frames of the seqs after `seq`. */
  after(seq: number): string[] {
    return this.#frames.slice(Math.max(0, seq - this.#dropped));
  }

  /** Characters kept. */
  get chars(): number {
    return this.#chars;
  }

  #trim(): void {
    let count = 0;
    // The last frame always stays: it may be the request's ending.
    while (this.#chars > KEPT_CHARS && count < this.#frames.length - 1) {
      this.#chars -= this.#frames[count]!.length;
      count++;
    }
    this.#frames.splice(0, count);
    this.#dropped += count;
  }
}
