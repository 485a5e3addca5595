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
import { assertIncrementStep, assertPrefix, decodeValue, encodeValue, ttlMilliseconds } from "./_values.ts";
import { assertKey, type SessionStore, type SessionStoreFactory, type SetOptions } from "./types.ts";

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

const SCAN_BATCH = 1000;

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
  const prefix = options.prefix ?? "agent-mesh:";
  assertPrefix(prefix);
  const client: UpstashClientLike =
    options.client ??
    new Redis({
      url: options.url,
      token: options.token,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
  const at = (key: string): string => {
    assertKey(key);
    return prefix + key;
  };
  const ttlArgs = (setOptions: SetOptions | undefined): (string | number)[] => {
    const ms = ttlMilliseconds(setOptions);
    return ms === null ? [] : ["PX", ms];
  };
  const decode = <T>(raw: unknown): T | null => (raw === null ? null : decodeValue<T>(String(raw)));

  const store: SessionStore = {
    name: "upstash",
    async get<T>(key: string) {
      return decode<T>(await client.exec(["GET", at(key)]));
    },
    async set(key: string, value: unknown, setOptions?: SetOptions) {
      await client.exec(["SET", at(key), encodeValue(value), ...ttlArgs(setOptions)]);
    },
    async delete(key: string) {
      await client.exec(["UNLINK", at(key)]);
    },
    async add(key: string, value: unknown, setOptions?: SetOptions) {
      const reply = await client.exec(["SET", at(key), encodeValue(value), "NX", ...ttlArgs(setOptions)]);
      return reply === "OK";
    },
    async take<T>(key: string) {
      return decode<T>(await client.exec(["GETDEL", at(key)]));
    },
    async increment(key: string, by = 1) {
      const target = at(key);
      assertIncrementStep(by);
      try {
        return Number(await client.exec(["INCRBY", target, by]));
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
        const reply = await client.exec<[string | number, string[]]>([
          "SCAN",
          cursor,
          "MATCH",
          `${prefix}${keyPrefix}*`,
          "COUNT",
          SCAN_BATCH,
        ]);
        cursor = String(reply[0]);
        // SCAN may return a key more than once; the set removes repeats.
        for (const key of reply[1]) found.add(key.slice(prefix.length));
      } while (cursor !== "0");
      return [...found].sort();
    },
    async dispose() {
      // REST over fetch: no connection to close.
    },
  };
  return store;
};
