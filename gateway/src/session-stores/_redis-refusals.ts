/**
 * Redis's replies that refuse a write while reads still work, read in one place for every connection the gateway
 * keeps to Redis: the session store's, a cluster node's commands, an Upstash-compatible endpoint's (so no client
 * library here: the upstash store stays free of ioredis).
 *
 * - `OOM …`: at its `maxmemory`, with a policy that evicts nothing (the safe one for this data): `store_full`, 507.
 * - `READONLY …` (a replica: the gateway was left pointed at one after a failover), `MISCONF …` (its snapshot or
 *   append-only file cannot be written: a full disk) and `NOREPLICAS …` (fewer replicas than it must write to):
 *   `store_read_only`, 503.
 *
 * Each passes once Redis is fixed, without restarting the gateway: the caller is told to retry later, where it got
 * an unexpected 500.
 * @module
 */
import { StoreError } from "./_errors.ts";

/** Why Redis takes no writes, by the first word of its reply. */
const WRITES_REFUSED: Record<string, string> = {
  READONLY: "Redis is a read-only replica",
  MISCONF: "Redis cannot save to its disk",
  NOREPLICAS: "Redis has fewer replicas than it must write to",
};

/** The store's refusal for a Redis error reply (`message`), or null when it is not one; `what` names the connection. */
export function redisRefusal(message: string, what: string, cause: unknown): StoreError | null {
  if (message.startsWith("OOM ")) {
    return new StoreError("store_full", `${what} is full: ${message}`, {
      cause,
      reason: "Redis reached its maxmemory",
    });
  }
  const reason = WRITES_REFUSED[message.slice(0, message.indexOf(" "))];
  if (reason)
    return new StoreError("store_read_only", `${what} takes no writes: ${message}`, { cause, reason });
  return null;
}
