/**
 * A node's side of cluster presence: the claims it holds, its heartbeat, and the checks that keep it from serving an
 * agent another node took. What an idle node costs Redis does not grow with its agents:
 *
 * - every `liveMs / 3` one heartbeat (the node's liveness), plus an **audit** of at most `AUDIT_MAX_PER_BEAT` claims
 *   (a full pass every `AUDIT_PASS_MS`, longer with very many agents), the safety net for a takeover notice that
 *   never arrived (an inbox trimmed while the node lagged, a notice lost with a Redis failover, a handler that
 *   failed);
 * - a takeover is normally learnt at once from the claiming node's notice (its inbox), not from here;
 * - when a beat shows a **gap** (other nodes may have counted this node dead: it froze, lost Redis for a while, or
 *   was removed as dead), every claim is verified before the node counts itself fresh again, and until then a local
 *   call first waits for that (`fresh`), so a node that wakes never serves an agent that reconnected elsewhere.
 * @module
 */
import type { ClusterPresence } from "./presence.ts";

/** One full audit of a node's claims takes this long (when it holds few enough agents, see below). */
const AUDIT_PASS_MS = 30_000;
/** At most this many claims are audited per beat, so the audit's cost per node is bounded, not per agent. */
const AUDIT_MAX_PER_BEAT = 100;

export interface PresenceKeeperOptions {
  presence: ClusterPresence;
  /** A node whose last beat is older than this counts as dead (its agents offline). Beats go every third of it. */
  liveMs: number;
  /** Another node holds the agent now (found by a check): its socket here must be closed, not served. */
  onLost(agentId: string): void;
  /** The node was possibly counted dead for a while: tasks queued meanwhile may never have been handed over. */
  onGap(): void;
  /** No successful beat for `liveMs`: other nodes count this node dead, and it cannot hear revocations. */
  onCutOff(): void;
  /** Work done after each successful beat (reaping dead nodes, abandoned calls). */
  afterBeat(): Promise<void>;
  report(error: unknown, stage: string): void;
}

export class PresenceKeeper {
  /** Agents whose socket is here, with the epoch of their claim. */
  readonly held = new Map<string, number>();
  readonly #options: PresenceKeeperOptions;
  readonly #timer: ReturnType<typeof setInterval>;
  /** When the last successful beat was sent (monotonic clock): it landed in Redis after that. */
  #lastBeatAt = performance.now();
  #beating: Promise<void> | null = null;
  /** `afterBeat` is running (at most one at a time). */
  #housekeeping = false;
  #started: Promise<void> | null = null;
  #auditCursor: Iterator<[string, number]> | null = null;
  /** A beat showed a gap and the check of every claim has not completed since (it failed, say): the next beat does it. */
  #checkAll = false;
  /** Claims of sockets that closed while Redis was away: released once it answers again. */
  readonly #unreleased = new Map<string, number>();

  constructor(options: PresenceKeeperOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.beat(), this.#beatMs);
    (this.#timer as { unref?: () => void }).unref?.();
    void this.beat();
  }

  get #beatMs(): number {
    return Math.max(100, this.#options.liveMs / 3);
  }

  /** Claims the agent for this node (after clearing what an earlier process with this node id left). */
  async claim(agentId: string): Promise<{ epoch: number; previous: string | null }> {
    await this.#start();
    const claimed = await this.#options.presence.claimFrom(agentId);
    this.held.set(agentId, claimed.epoch);
    return claimed;
  }

  /**
   * The agent's socket here closed: its claim is given back, unless a newer socket of it holds a newer one. A
   * release Redis did not take (it was away) is tried again at each beat: home keys have no TTL, so a claim left
   * behind would show the agent online as long as this node lives.
   */
  unclaim(agentId: string, epoch: number): void {
    if (this.held.get(agentId) !== epoch) return;
    this.held.delete(agentId);
    this.#options.presence.release(agentId, epoch).catch((error) => {
      this.#unreleased.set(agentId, epoch);
      this.#options.report(error, "cluster-release");
    });
  }

  /**
   * Resolves once this node may serve its local agents: at once while its beats are on time; after a fresh beat
   * (and, after a gap, the check of every claim) when the last one is older than two beat intervals — a node that
   * was frozen or cut off and wakes must not serve an agent that reconnected elsewhere meanwhile.
   */
  async fresh(): Promise<void> {
    // Twice at most: a beat sent before the node froze may answer first, and proves nothing about the pause.
    for (let tries = 0; tries < 2 && performance.now() - this.#lastBeatAt > 2 * this.#beatMs; tries++) {
      await this.beat();
    }
  }

  /** One beat (at most one at a time: a caller while one runs waits for that one). */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => {
      this.#beating = null;
    });
    return this.#beating;
  }

  dispose(): void {
    clearInterval(this.#timer);
  }

  #start(): Promise<void> {
    this.#started ??= this.#options.presence.forgetEarlierRun().catch((error) => {
      this.#started = null; // tried again at the next beat or claim
      throw error;
    });
    return this.#started;
  }

  async #beat(): Promise<void> {
    const { presence, report } = this.#options;
    const sentAt = performance.now();
    try {
      await this.#start();
      const { gap } = await presence.heartbeat();
      if (gap) this.#checkAll = true;
      // After a gap every claim is checked before this node counts as fresh again; otherwise a slice (the audit).
      const checkingAll = this.#checkAll;
      const claims = checkingAll ? this.held.entries() : this.#auditSlice();
      const lost = await presence.verify(claims, (agentId, epoch) => this.held.get(agentId) === epoch);
      this.#checkAll = false;
      this.#lastBeatAt = sentAt;
      for (const [agentId, epoch] of lost) {
        if (this.held.get(agentId) !== epoch) continue; // claimed here again meanwhile, at a newer epoch
        this.held.delete(agentId);
        this.#options.onLost(agentId);
      }
      if (checkingAll) this.#options.onGap();
    } catch (error) {
      report(error, "cluster-heartbeat");
      if (performance.now() - this.#lastBeatAt > this.#options.liveMs) this.#options.onCutOff();
      return;
    }
    // Not awaited: a call waiting in `fresh` needs the beat and the check, not this.
    if (!this.#housekeeping) {
      this.#housekeeping = true;
      this.#housekeep()
        .catch((error) => report(error, "cluster-housekeeping"))
        .finally(() => {
          this.#housekeeping = false;
        });
    }
  }

  /** Gives back the claims Redis missed while away, then the hub's own work (reaping dead nodes, abandoned calls). */
  async #housekeep(): Promise<void> {
    for (const [agentId, epoch] of this.#unreleased) {
      await this.#options.presence.release(agentId, epoch);
      this.#unreleased.delete(agentId);
    }
    await this.#options.afterBeat();
  }

  /** The next few claims of the audit's round through `held` (a live iterator: no copy of the map). */
  #auditSlice(): Iterator<[string, number]> {
    const count = Math.min(AUDIT_MAX_PER_BEAT, Math.ceil((this.held.size * this.#beatMs) / AUDIT_PASS_MS));
    const slice: Array<[string, number]> = [];
    this.#auditCursor ??= this.held.entries();
    while (slice.length < count) {
      const next = this.#auditCursor.next();
      if (next.done) {
        this.#auditCursor = null; // the next beat starts the next pass
        break;
      }
      slice.push(next.value);
    }
    return slice.values();
  }
}
