/**
 * Session store on Redis through ioredis. Every operation is one native command, so all of them are atomic across
 * processes: `add` = `SET NX PX`, `take` = `GETDEL` (Redis ≥ 6.2), `increment` = `INCRBY`, TTLs via `PX`, `keys` via
 * `SCAN`. Values are JSON text; keys carry a per-deployment prefix.
 *
 * unstorage's redis driver is not used: it cannot take an existing client, turns the string "123" into the number
 * 123 on read, and has no atomic operations, so the raw client would be needed anyway.
 * @module
 */
import { Redis } from "ioredis";
import { StoreError } from "./_errors.ts";
import { assertIncrementStep, assertPrefix, decodeValue, encodeValue, ttlMilliseconds } from "./_values.ts";
import { assertKey, type SessionStore, type SessionStoreFactory, type SetOptions } from "./types.ts";

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

const SCAN_BATCH = 1000;

/**
 * @example
 * const store = redisSessionStore({ url: "redis://127.0.0.1:6379", prefix: "mesh-prod:" });
 * await store.add("lock:agent:a1", { pid: 1 }, { ttl: 30 }); // true for exactly one caller
 */
export const redisSessionStore: SessionStoreFactory<RedisSessionStoreOptions> = (options) => {
  if (!options?.url && !options?.client) {
    throw new StoreError("missing_option", "redisSessionStore needs `url` (e.g. REDIS_URL) or `client`");
  }
  const prefix = options.prefix ?? "agent-mesh:";
  assertPrefix(prefix);
  const ownsClient = !options.client;
  const client: RedisClientLike = options.client ?? new Redis(options.url, { lazyConnect: false });
  const at = (key: string): string => {
    assertKey(key);
    return prefix + key;
  };
  const setArgs = (setOptions: SetOptions | undefined): (string | number)[] => {
    const ms = ttlMilliseconds(setOptions);
    return ms === null ? [] : ["PX", ms];
  };
  const decode = <T>(raw: unknown): T | null => (raw === null ? null : decodeValue<T>(String(raw)));

  const store: SessionStore = {
    name: "redis",
    async get<T>(key: string) {
      return decode<T>(await client.call("GET", at(key)));
    },
    async set(key: string, value: unknown, setOptions?: SetOptions) {
      await client.call("SET", at(key), encodeValue(value), ...setArgs(setOptions));
    },
    async delete(key: string) {
      await client.call("UNLINK", at(key));
    },
    async add(key: string, value: unknown, setOptions?: SetOptions) {
      const reply = await client.call("SET", at(key), encodeValue(value), "NX", ...setArgs(setOptions));
      return reply === "OK";
    },
    async take<T>(key: string) {
      return decode<T>(await client.call("GETDEL", at(key)));
    },
    async increment(key: string, by = 1) {
      const target = at(key);
      assertIncrementStep(by);
      try {
        return Number(await client.call("INCRBY", target, by));
      } catch (cause) {
        if (!String(cause).includes("not an integer")) throw cause;
        throw new StoreError("not_an_integer", `cannot increment ${key}: it does not hold an integer`, {
          cause,
        });
      }
    },
    async keys(keyPrefix: string) {
      assertPrefix(keyPrefix);
      const found = new Set<string>();
      let cursor = "0";
      do {
        const reply = (await client.call(
          "SCAN",
          cursor,
          "MATCH",
          `${prefix}${keyPrefix}*`,
          "COUNT",
          SCAN_BATCH,
        )) as [string, string[]];
        cursor = reply[0];
        // SCAN may return a key more than once; the set removes repeats.
        for (const key of reply[1]) found.add(key.slice(prefix.length));
      } while (cursor !== "0");
      return [...found].sort();
    },
    async dispose() {
      if (ownsClient) await client.quit();
    },
  };
  return store;
};
