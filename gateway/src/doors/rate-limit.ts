/**
 * Rate limits for every calling door (/v1 messages, /mcp, /a2a, share links): a fixed window per token or per
 * share, counted in the session store so the count holds across Workers isolates and gateway nodes.
 *
 * A window's counter is created with `add(key, 0, { ttl })` (the window's remaining seconds + 1), then only
 * `increment`ed: every backend keeps a live key's TTL on increment (tests/contracts/session-store.ts), so each
 * counter disappears on its own. A process remembers which counters it already created, so a request costs one
 * store operation.
 *
 * Per token: `requireAuth(scope, { rateLimited: true })` (auth/middleware.ts) on every calling door; per share
 * link: the share door calls `enforceRateLimit` itself.
 */
import type { RateLimit } from "../config.ts";
import { ApiError } from "../errors.ts";
import type { SessionStore } from "../session-stores/types.ts";

export type RateOutcome = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one request of `subject` (a store key segment such as a token id) against `rule`. */
  hit(subject: string, rule: RateLimit): Promise<RateOutcome>;
}

const limiters = new WeakMap<SessionStore, RateLimiter>();

/** The limiter of a store (one per store, so its memory of created counters is shared by every door). */
export function rateLimiterFor(store: SessionStore): RateLimiter {
  let limiter = limiters.get(store);
  if (!limiter) {
    limiter = createRateLimiter(store);
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
      if (count <= rule.limit) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((end - now) / 1000)) };
    },
  };
}

/** Throws `429 rate_limited` with `Retry-After` when `subject` is over `rule`. */
export async function enforceRateLimit(
  store: SessionStore,
  subject: string,
  rule: RateLimit | null,
  who: string,
): Promise<void> {
  if (!rule) return;
  const outcome = await rateLimiterFor(store).hit(subject, rule);
  if (outcome.ok) return;
  throw new ApiError(
    429,
    "rate_limited",
    `Too many requests for this ${who}: at most ${rule.limit} per ${rule.windowSeconds} s. Retry in ${outcome.retryAfterSeconds} s.`,
    { headers: { "retry-after": String(outcome.retryAfterSeconds) } },
  );
}
