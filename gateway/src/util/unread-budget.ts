/**
 * What the SSE callers of one gateway process leave unread, held to two limits. Each stream may hold
 * `perStreamBytes` (`AGENT_MESH_MAX_UNREAD_BYTES`) for a caller that reads slower than its agent writes
 * (sse-body.ts), but a node serves as many streams as it has callers' connections: a thousand callers that stop
 * reading while an agent floods them (any user can connect an agent that does) would make the node hold a thousand
 * times that, and run it out of memory for everyone. So all streams together may hold `totalBytes`
 * (`AGENT_MESH_MAX_UNREAD_TOTAL_BYTES`). Past it the streams holding the most are cut, as a stream past its own limit
 * is (its caller may re-attach), until the total is back under three quarters of the limit: callers that keep up
 * lose nothing, and the node keeps its memory.
 * @module
 */

/**
 * A stream's place in the budget. Only streams holding bytes are counted and kept: a stream that is never read
 * nor canceled (a route that failed after making it) holds nothing and is not kept from being collected.
 */
export interface UnreadShare {
  /** The stream now holds `bytes` unread (told after each write). */
  hold(bytes: number): void;
  /** The stream holds nothing any more: read to its end, cut, or its caller gone. */
  leave(): void;
}

interface Member {
  /** Bytes unread when last told or measured: a count taken at a write is high once the caller has read since. */
  held: number;
  measure(): number;
  /** Drops the stream (and leaves). */
  cut(): void;
}

/** Cut down to this share of the limit, so the next write past it does not cut again at once. */
const SHED_TO = 0.75;

export class UnreadBudget {
  readonly perStreamBytes: number;
  readonly totalBytes: number;
  #held = 0;
  readonly #members = new Set<Member>();

  constructor(limits: { perStreamBytes: number; totalBytes: number }) {
    this.perStreamBytes = limits.perStreamBytes;
    this.totalBytes = limits.totalBytes;
  }

  /** Bytes held when last told or measured (for the node's stats). */
  get heldBytes(): number {
    return this.#held;
  }

  /** Streams holding bytes when last told or measured. */
  get streams(): number {
    return this.#members.size;
  }

  /** A new stream: `measure` says what it holds unread now, `cut` drops it (and must call the share's `leave`). */
  join(measure: () => number, cut: () => void): UnreadShare {
    const member: Member = { held: 0, measure, cut };
    const leave = () => {
      if (!this.#members.delete(member)) return;
      this.#held -= member.held;
      member.held = 0;
    };
    return {
      hold: (bytes) => {
        if (bytes === 0) return leave();
        this.#members.add(member);
        this.#held += bytes - member.held;
        member.held = bytes;
        if (this.#held > this.totalBytes) this.#shed();
      },
      leave,
    };
  }

  #shed(): void {
    // The counts may be stale (callers read since their stream's last write): measure every stream first.
    let held = 0;
    for (const member of this.#members) {
      member.held = member.measure();
      held += member.held;
      if (member.held === 0) this.#members.delete(member);
    }
    this.#held = held;
    if (held <= this.totalBytes) return;
    const largestFirst = [...this.#members].sort((a, b) => b.held - a.held);
    // Every stream left holds bytes (those measured empty were let go above).
    for (const member of largestFirst) {
      if (this.#held <= this.totalBytes * SHED_TO) break;
      member.cut();
    }
  }
}
