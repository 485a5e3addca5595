/**
 * Session store on Upstash Redis over its REST API (@upstash/redis), for serverless hosts without TCP. The same
 * native commands as the redis backend, so the same guarantees: `add` = `SET NX PX`, `take` = `GETDEL`,
 * `increment` = `INCRBY`, TTLs via `PX`, `keys` via `SCAN`.
 *
 * Outages: an unreachable endpoint (refused, reset, no answer within 1.5 s) makes every operation fail at once with
 * `store_unavailable` until a PING gets through again (see `_availability.ts`).
 *
 * unstorage's upstash driver is not used: it cannot take an existing client, and the client's automatic JSON
 * deserialisation would turn stored strings such as "123" into numbers.
 * @module
 */
import { Redis, errors as upstashErrors } from "@upstash/redis";
import { createAvailability } from "./_availability.ts";
import { StoreError } from "./_errors.ts";
import { createRedisCommandStore } from "./_redis-commands.ts";
import { redisRefusal } from "./_redis-refusals.ts";
import type { SessionStoreFactory } from "./types.ts";

/** The part of an `@upstash/redis` client this store uses. Create it with `automaticDeserialization: false`. */
export interface UpstashClientLike {
  exec<TResult>(args: [command: string, ...args: (string | number | boolean)[]]): Promise<TResult>;
}

export type UpstashSessionStoreOptions = (
  | {
      /** `UPSTASH_REDIS_REST_URL` */
      url: string;
      /** `UPSTASH_REDIS_REST_TOKEN` */
      token: string;
      client?: undefined;
    }
  | {
      /** A client made with `automaticDeserialization: false` (otherwise stored strings are re-parsed). */
      client: UpstashClientLike;
      url?: undefined;
      token?: undefined;
    }
) & {
  /** Prepended to every key, so several deployments can share a database. Default `agent-mesh:`. */
  prefix?: string;
};

/**
 * @example
 * const store = upstashSessionStore({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN });
 * const next = await store.increment("seq:task");
 */
export const upstashSessionStore: SessionStoreFactory<UpstashSessionStoreOptions> = (options) => {
  if (!options?.client && !(options?.url && options.token)) {
    throw new StoreError(
      "missing_option",
      "upstashSessionStore needs `url` and `token` (UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN) or `client`",
    );
  }
  const client: UpstashClientLike =
    options.client ??
    new Redis({
      url: options.url,
      token: options.token,
      automaticDeserialization: false,
      enableTelemetry: false,
      // One quick retry of a failed fetch; the availability guard bounds the wait.
      retry: { retries: 1, backoff: () => 50 },
      // Only frees a fetch the guard has given up on. The guard judges timeouts: a plain 1.5 s timer here would
      // abort an answered fetch whenever this process stalled (frozen, starved) while the answer waited unread.
      signal: () => AbortSignal.timeout(10_000),
    });
  const availability = createAvailability({
    what: `upstash at ${options.url ? originOf(options.url) : "the given client"}`,
    probe: () => client.exec(["PING"]),
  });
  const store = createRedisCommandStore({
    name: "upstash",
    prefix: options.prefix ?? "agent-mesh:",
    send: (command) => availability.guard(() => client.exec(command), isOutage).catch(asStoreRefusal),
    // REST over fetch: no connection to close.
    close: async () => availability.dispose(),
  });
  return { ...store, health: () => availability.health() };
};

/**
 * A reply the server sent (UpstashError: wrong type, not an integer…) is not an outage; a failed fetch, an abort
 * or a body that is not the REST protocol's JSON (a proxy's error page) is.
 */
const isOutage = (error: unknown): boolean =>
  !(error instanceof upstashErrors.UpstashError) || error instanceof upstashErrors.UpstashJSONParseError;

/**
 * A reply error, without the command the client appended to it. Writes refused for want of room: Upstash's own
 * data size quota (`ERR DB capacity quota exceeded`; reads and deletes still work) is `store_full` (507, retry
 * later); its request quota (`ERR max requests limit exceeded`, daily or monthly: every command refused) is
 * `store_unavailable` (503) naming it; the Redis behind a compatible endpoint refusing writes is read as on the redis
 * backend (_redis-refusals.ts); not an unexpected 500.
 */
function asStoreRefusal(error: unknown): never {
  if (!(error instanceof upstashErrors.UpstashError)) throw error;
  // The client appends the whole command, values included (a task's message, a token's hash): never log those.
  const message = error.message.split(", command was: ")[0]!;
  error.message = message;
  if (/^ERR DB capacity quota exceeded/.test(message)) {
    throw new StoreError("store_full", `the session store (upstash) is full: ${message}`, {
      cause: error,
      reason: "Upstash's data size quota is used up",
    });
  }
  // Every command is refused, reads too, until the quota resets or the plan is raised. Not an outage: the endpoint
  // answers, and the outage probe (a PING every 250 ms) would spend more of the quota.
  if (/^ERR max (daily |monthly )?requests? limit exceeded/i.test(message)) {
    throw new StoreError(
      "store_unavailable",
      `the session store (upstash) refuses every request: ${message}`,
      {
        cause: error,
        reason: "Upstash's request quota is used up",
      },
    );
  }
  throw redisRefusal(message, "the session store (upstash)", error) ?? error;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "the configured UPSTASH_REDIS_REST_URL";
  }
}
