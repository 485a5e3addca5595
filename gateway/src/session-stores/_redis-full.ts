/**
 * Redis at its `maxmemory` (with a policy that evicts nothing, the safe one for this data) answers every write with
 * an `OOM …` error. Read here once for every connection the gateway keeps to Redis (the session store's, a cluster
 * node's commands): it is `store_full` (507, the caller can retry later), not an unexpected 500 whose log would
 * carry the refused command's arguments (a caller's message).
 * @module
 */
import { ReplyError } from "ioredis";
import { StoreError } from "./_errors.ts";

/** Rethrows `error`, as `store_full` when it is Redis's OOM reply; `what` names the connection for the log. */
export function rethrowRedisFull(error: unknown, what: string): never {
  const message = error instanceof ReplyError ? String((error as Error).message) : "";
  if (message.startsWith("OOM ")) {
    throw new StoreError("store_full", `${what} is full: ${message}`, {
      cause: error,
      reason: "Redis reached its maxmemory",
    });
  }
  throw error;
}
