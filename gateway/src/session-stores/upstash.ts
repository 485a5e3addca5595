/**
 * Session store on Upstash Redis over its REST API (@upstash/redis), for serverless hosts without TCP. The same
 * native commands as the redis backend, so the same guarantees: `add` = `SET NX PX`, `take` = `GETDEL`,
 * `increment` = `INCRBY`, TTLs via `PX`, `keys` via `SCAN`.
 *
 * unstorage's upstash driver is not used: it cannot take an existing client, and the client's automatic JSON
 * deserialisation would turn stored strings such as "123" into numbers.
 * @module
 */
import { Redis } from "@upstash/redis";
import { StoreError } from "./_errors.ts";
import { createRedisCommandStore } from "./_redis-commands.ts";
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
    });
  return createRedisCommandStore({
    name: "upstash",
    prefix: options.prefix ?? "agent-mesh:",
    send: (command) => client.exec(command),
    // REST over fetch: no connection to close.
    close: async () => {},
  });
};
