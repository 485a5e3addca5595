/**
 * The agent cap of one node (`AGENT_MESH_MAX_AGENTS`): open agent sockets plus handshakes under way. Counting open
 * sockets alone let a burst through, since a runtime opens each socket only after its upgrade answer went out (Deno
 * took 106 agents under a cap of 96).
 */

/** A handshake that has not opened by now never will (the connector gives up after 5 s). */
export const HANDSHAKE_MS = 10_000;

export class Admission {
  readonly #sockets: { readonly socketCount: number };
  readonly #max: number;
  /** Handshakes admitted and not yet opened or failed (any object that stands for one), with when. */
  readonly #opening = new Map<object, number>();

  /** `sockets` counts the agent sockets open now (the node's `LocalAgentHome`). */
  constructor(sockets: { readonly socketCount: number }, max: number) {
    this.#sockets = sockets;
    this.#max = max;
  }

  get max(): number {
    return this.#max;
  }

  /** Handshakes counted against the cap now. */
  get opening(): number {
    return this.#opening.size;
  }

  hasRoom(now: number): boolean {
    // Handshakes that died without a close event (a peer gone mid-upgrade) free their place. The map keeps
    // insertion order, oldest first, so this stops at the first young one: O(1) unless something is stale.
    for (const [handshake, at] of this.#opening) {
      if (now - at <= HANDSHAKE_MS) break;
      this.#opening.delete(handshake);
    }
    return this.#sockets.socketCount + this.#opening.size < this.#max;
  }

  /** A handshake was let in at `now`: it holds a place until `settled`, or for `HANDSHAKE_MS`. */
  admitted(handshake: object, now: number): void {
    this.#opening.set(handshake, now);
  }

  /** The handshake opened (its socket now counts itself) or failed. */
  settled(handshake: object): void {
    this.#opening.delete(handshake);
  }
}
