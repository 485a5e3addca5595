/**
 * How much of a request's log Redis keeps (request-log.ts): at most `maxEntries` entries and `maxChars` characters
 * of them, oldest trimmed first, the newest always kept. Without the size limit an agent's 10,000 chunks of up to a
 * frame each (4 MiB) could make one call fill Redis, and with it every node.
 *
 * Redis cannot say what a stream's entries take without reading them, so the writer keeps the count: it knows
 * every entry it wrote (one node writes a request's log at a time, in seq order), and tells Redis with each append
 * where the log should now start. A node that takes a request over starts counting from its own first entry: the
 * log then holds what the node before wrote (within its limit) until the new writer's entries fill the limit and
 * its first trim drops them, so at most twice the limit for a while.
 * @module
 */

export class LogRetention {
  readonly #maxEntries: number;
  readonly #maxChars: number;
  /** Seqs and sizes of the entries written and not yet trimmed, oldest first from `#head` (compacted now and then). */
  #seqs: number[] = [];
  #sizes: number[] = [];
  #head = 0;
  #chars = 0;

  constructor(limits: { maxEntries: number; maxChars: number }) {
    this.#maxEntries = limits.maxEntries;
    this.#maxChars = limits.maxChars;
  }

  /**
   * Counts an entry of `chars` characters written at `seq` (later than the last); returns the seq the log should
   * start at from now on, or 0 when nothing needs to go.
   */
  add(seq: number, chars: number): number {
    const last = this.#seqs.length > this.#head ? this.#seqs[this.#seqs.length - 1]! : 0;
    if (seq <= last) return 0; // a replay: Redis refuses it
    this.#seqs.push(seq);
    this.#sizes.push(chars);
    this.#chars += chars;
    return this.trimTo(this.#maxChars);
  }

  /** Characters of the entries kept. */
  get chars(): number {
    return this.#chars;
  }

  /**
   * Lets go of the oldest entries until the rest take at most `maxChars` and `maxEntries` (the newest always
   * stays): also asked by the node's limit on all its logs (log-budget.ts). Returns the seq the log should start at
   * from now on, or 0 when nothing went.
   */
  trimTo(maxChars: number): number {
    let trimmed = false;
    while (
      this.#seqs.length - this.#head > 1 &&
      (this.#chars > maxChars || this.#seqs.length - this.#head > this.#maxEntries)
    ) {
      this.#chars -= this.#sizes[this.#head]!;
      this.#head += 1;
      trimmed = true;
    }
    if (!trimmed) return 0;
    const start = this.#seqs[this.#head]!;
    if (this.#head > 1024 && this.#head * 2 > this.#seqs.length) {
      this.#seqs = this.#seqs.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
    return start;
  }
}
