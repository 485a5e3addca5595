/**
 * Rate limits for every calling door (/v1 messages, /mcp, /a2a, share links): a fixed window per token or per
 * share, counted in the session store so the count holds across Workers isolates and gateway nodes.
 *
 * A window's counter is created with `add(key, 0, { ttl })` (the window's remaining seconds + 1), then only
 * `increment`ed: every backend keeps a live key's TTL on increment (tests/contracts/session-store.ts), so each
 * counter disappears on its own. A process remembers which counters it already created, so a request costs one
 * store operation.
 *
 * A store local to this process (memory; fs, whose folder one process holds) has no other reader of the counts, so
 * they are kept in the limiter's own map and a request costs no store operation, no promise and no journal line (about
 * 5% of the gateway's busy time on a call, on Deno). The one difference: on fs a restart starts the windows afresh,
 * which lets at most one window's worth of calls more through, as a count lost to a power cut did before.
 *
 * Per token: `requireAuth(scope, { rateLimited: true })` (auth/middleware.ts) on every calling door; per share
 * link: the share door calls `enforceRateLimit` itself.
 */
import type { RateLimit } from "../config.ts";
import { ApiError } from "../errors.ts";
import type { SessionStore } from "../session-stores/types.ts";

export type RateOutcome = { ok: true } | { ok: false; retryAfterSeconds: number };
const ALLOWED: RateOutcome = { ok: true };

export interface RateLimiter {
  /**
   * Counts one request of `subject` (a store key segment such as a token id) against `rule`: at once when the
   * counts live in this process, else once the store has counted it.
   */
  hit(subject: string, rule: RateLimit): RateOutcome | Promise<RateOutcome>;
}

const limiters = new WeakMap<SessionStore, RateLimiter>();

/** The limiter of a store (one per store, so its memory of created counters is shared by every door). */
export function rateLimiterFor(store: SessionStore): RateLimiter {
  let limiter = limiters.get(store);
  if (!limiter) {
    limiter = store.local ? createLocalRateLimiter() : createRateLimiter(store);
    limiters.set(store, limiter);
  }
  return limiter;
}

export function createRateLimiter(store: SessionStore): RateLimiter {
  /** Counter key → end of its window (epoch ms): counters this process created or saw created. */
  const created = new Map<string, number>();
  return {
    async hit(subject, rule) {
      const now = Date.now();
      const windowMs = rule.windowSeconds * 1000;
      const index = Math.floor(now / windowMs);
      const end = (index + 1) * windowMs;
      const key = `rate:${subject}:${index}`;
      if (!created.has(key)) {
        // Whoever creates it sets the TTL; a counter never exists without one.
        await store.add(key, 0, { ttl: Math.ceil((end - now) / 1000) + 1 });
        if (created.size >= 10_000) {
          for (const [k, until] of created) if (until <= now) created.delete(k);
          if (created.size >= 10_000) created.clear();
        }
        created.set(key, end);
      }
      // A count lost to a power cut only lets a few more requests through once: not worth a sync per request.
      const count = await store.increment(key, 1, { durable: false });
      if (count <= rule.limit) return ALLOWED;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((end - now) / 1000)) };
    },
  };
}

/** The limiter of a store local to this process: the counts live in its own map (see the module comment). */
export function createLocalRateLimiter(): RateLimiter {
  /** `subject:window length:window index` → the count in that window and its end (epoch ms). */
  const counts = new Map<string, { count: number; end: number }>();
  /** When ended windows are next dropped: at most once a second, however many subjects call. */
  let sweepAt = 0;
  return {
    hit(subject, rule) {
      const now = Date.now();
      const windowMs = rule.windowSeconds * 1000;
      const index = Math.floor(now / windowMs);
      const key = `${subject}:${rule.windowSeconds}:${index}`;
      let window = counts.get(key);
      if (window === undefined) {
        if (now >= sweepAt) {
          for (const [counted, { end }] of counts) if (end <= now) counts.delete(counted);
          sweepAt = now + 1000;
        }
        window = { count: 0, end: (index + 1) * windowMs };
        counts.set(key, window);
      }
      window.count += 1;
      if (window.count <= rule.limit) return ALLOWED;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((window.end - now) / 1000)) };
    },
  };
}

/**
 * Throws `429 rate_limited` with `Retry-After` when `subject` is over `rule`. Returns a promise only when the count
 * is the store's, so a door on a local store awaits nothing for it.
 */
export function enforceRateLimit(
  store: SessionStore,
  subject: string,
  rule: RateLimit | null,
  who: string,
): void | Promise<void> {
  if (!rule) return;
  const outcome = rateLimiterFor(store).hit(subject, rule);
  if (outcome instanceof Promise) return outcome.then((counted) => refuseIfOver(counted, rule, who));
  refuseIfOver(outcome, rule, who);
}

function refuseIfOver(outcome: RateOutcome, rule: RateLimit, who: string): void {
  if (outcome.ok) return;
  throw new ApiError(
    429,
    "rate_limited",
    `Too many requests for this ${who}: at most ${rule.limit} per ${rule.windowSeconds} s. Retry in ${outcome.retryAfterSeconds} s.`,
    { headers: { "retry-after": String(outcome.retryAfterSeconds) } },
  );
}
