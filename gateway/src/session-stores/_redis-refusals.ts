/**
 * Redis's replies that refuse a write while reads still work, read once for every connection the gateway keeps to
 * Redis (the session store's, a cluster node's commands, an Upstash-compatible endpoint's; no client library here,
 * so the upstash store stays free of ioredis): at its `maxmemory`
 * (`OOM …`, with a policy that evicts nothing, the safe one for this data) it is `store_full` (507); a read-only
 * replica (`READONLY …`, after a failover that pointed the gateway at one), a server that cannot save to its disk
 * (`MISCONF …`: its append-only file or snapshot failed, a full disk) or one short of the replicas it must write to
 * (`NOREPLICAS …`) is `store_read_only` (503). Each passes once Redis is fixed, without restarting the gateway,
 * so the caller can retry later, not an unexpected 500.
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
