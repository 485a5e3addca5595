/**
 * Session store on Redis through ioredis: one native command per operation (see `_redis-commands.ts`), so every
 * operation is atomic across processes.
 *
 * unstorage's redis driver is not used: it cannot take an existing client, turns the string "123" into the number
 * 123 on read, and has no atomic operations, so the raw client would be needed anyway.
 * @module
 */
import { Redis } from "ioredis";
import { StoreError } from "./_errors.ts";
import { createRedisCommandStore } from "./_redis-commands.ts";
import type { SessionStoreFactory } from "./types.ts";

/** The part of an ioredis client this store uses. */
export interface RedisClientLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

export type RedisSessionStoreOptions = (
  | { /** `redis://[:password@]host:port[/db]` */ url: string; client?: undefined }
  | {
      /** An ioredis client; the caller keeps ownership (dispose does not quit it). */ client: RedisClientLike;
      url?: undefined;
    }
) & {
  /** Prepended to every key, so several deployments can share a server. Default `agent-mesh:`. */
  prefix?: string;
};

/**
 * @example
 * const store = redisSessionStore({ url: "redis://127.0.0.1:6379", prefix: "mesh-prod:" });
 * await store.add("lock:agent:a1", { pid: 1 }, { ttl: 30 }); // true for exactly one caller
 */
export const redisSessionStore: SessionStoreFactory<RedisSessionStoreOptions> = (options) => {
  if (!options?.url && !options?.client) {
    throw new StoreError("missing_option", "redisSessionStore needs `url` (e.g. REDIS_URL) or `client`");
  }
  const ownsClient = !options.client;
  const client: RedisClientLike = options.client ?? new Redis(options.url, { lazyConnect: false });
  return createRedisCommandStore({
    name: "redis",
    prefix: options.prefix ?? "agent-mesh:",
    send: ([command, ...args]) => client.call(command, ...args),
    close: async () => {
      if (ownsClient) await client.quit();
    },
  });
};
