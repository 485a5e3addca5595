/**
 * What the logs one node writes keep in Redis (request-log.ts), held to one limit together
 * (`AGENT_MESH_MAX_RESUME_BYTES`, as what its calls keep in memory for re-attaching callers). Each log keeps at most
 * 16 Mi characters (log-retention.ts), but a node writes one per call: every call in flight (up to
 * `AGENT_MESH_MAX_INFLIGHT` an agent), each kept for a minute after its last entry. Any user could connect agents
 * that write 16 MiB to each call and fill Redis, which refuses writes when full and takes every node with it.
 *
 * Past the limit every log is held to one share, the largest that brings the total under three quarters of the
 * limit, so the logs keeping the most let go of their oldest entries first: a follower that is further behind on one
 * of them than its share gets `gap` (`resume_gap`), as past a log's own limit, and the others go on. (A share, not
 * the largest log first: the log is how a caller on another node gets its output, so emptying one log would cut its
 * caller off, where a share leaves each as much room as the others.)
 *
 * Redis expires a log a minute (`ttlMs`) after its last append, so logs not written since are no longer counted;
 * those are let go once per `ttlMs`, so the node remembers only recent logs.
 * @module
 */
import type { LogRetention } from "./log-retention.ts";

/** Trim down to this share of the limit, so the next entries do not walk again at once. */
const TRIM_TO = 0.75;
/** A log's last append reaches Redis a little after it was counted: count it this much longer than its TTL. */
const EXPIRY_SLACK_MS = 1000;

interface WrittenLog {
  requestId: string;
  lastAppendAt: number;
}

export class LogBudget {
  readonly maxChars: number;
  readonly #ttlMs: number;
  readonly #trim: (requestId: string, startSeq: number) => void;
  readonly #logs = new Map<LogRetention, WrittenLog>();
  /** What the counted logs keep: every append's change, set to the measured total by each walk. */
  #chars = 0;
  #walkedAt = Date.now();

  /** `trim`: tells Redis that the request's log now starts at `startSeq` (fire and forget). */
  constructor(maxChars: number, ttlMs: number, trim: (requestId: string, startSeq: number) => void) {
    this.maxChars = maxChars;
    this.#ttlMs = ttlMs;
    this.#trim = trim;
  }

  /** Characters the logs of this node keep in Redis (as counted: entries' JSON text). */
  get chars(): number {
    return this.#chars;
  }

  /** The request's log (kept by `retention`) was appended to; its kept characters changed by `change`. */
  appended(retention: LogRetention, requestId: string, change: number, now = Date.now()): void {
    const log = this.#logs.get(retention);
    if (log) log.lastAppendAt = now;
    else this.#logs.set(retention, { requestId, lastAppendAt: now });
    this.#chars += change;
    if (this.#chars > this.maxChars || now - this.#walkedAt > this.#ttlMs) this.#walk(now);
  }

  #walk(now: number): void {
    this.#walkedAt = now;
    const keeping: Array<{ retention: LogRetention; log: WrittenLog }> = [];
    let kept = 0;
    for (const [retention, log] of this.#logs) {
      if (now - log.lastAppendAt > this.#ttlMs + EXPIRY_SLACK_MS) {
        this.#logs.delete(retention); // Redis let it expire
        continue;
      }
      kept += retention.chars;
      keeping.push({ retention, log });
    }
    if (kept > this.maxChars) {
      const share = shareWithin(
        keeping.map(({ retention }) => retention.chars),
        this.maxChars * TRIM_TO,
      );
      for (const { retention, log } of keeping) {
        const before = retention.chars;
        if (before <= share) continue;
        const start = retention.trimTo(share);
        if (start === 0) continue;
        kept -= before - retention.chars;
        this.#trim(log.requestId, start);
      }
    }
    this.#chars = kept;
  }
}

/** The most each log may keep for all of them to keep at most `target` together, the largest cut first. */
export function shareWithin(sizes: number[], target: number): number {
  const sorted = [...sizes].sort((a, b) => b - a);
  let below = sorted.reduce((sum, size) => sum + size, 0);
  for (let capped = 1; capped <= sorted.length; capped++) {
    below -= sorted[capped - 1]!;
    const share = (target - below) / capped;
    if (share >= (sorted[capped] ?? 0)) return Math.max(0, Math.floor(share));
  }
  return 0;
}
