/**
 * The SessionStore contract in Redis commands, shared by the redis (ioredis over TCP) and upstash (REST) backends,
 * which differ only in how a command reaches the server. Every operation is one native command, so all of them
 * are atomic across processes: `add` = `SET NX PX`, `take` = `GETDEL` (Redis ≥ 6.2), `increment` = `INCRBY`, TTLs
 * via `PX`, `keys` via `SCAN` (kept off hot paths: indexes use the sorted sets, `ZADD` / `ZRANGE`), `update` via
 * `GET` and a compare-and-set Lua script (`EVAL`, which Upstash's REST API runs too). Values are JSON text; keys
 * carry a per-deployment prefix.
 */

import { StoreError } from "./_errors.ts";
import { updateByCompareAndSet } from "./_update.ts";
import { assertIncrementStep, assertPrefix, decodeValue, encodeValue, ttlMilliseconds } from "./_values.ts";
import { assertKey, type SessionStore, type SetOptions, type UpdateStep } from "./types.ts";

export type RedisCommand = [command: string, ...args: (string | number)[]];

export interface RedisCommandStoreOptions {
  name: string;
  /** Prepended to every key. */
  prefix: string;
  /** Sends one command and resolves with its reply. */
  send(command: RedisCommand): Promise<unknown>;
  /** Closes the connection, when the store owns one. */
  close(): Promise<void>;
}

const SCAN_BATCH = 1000;

/**
 * Sets KEYS[1] to ARGV[3] (with a PX of ARGV[4], or none when empty) only while it holds ARGV[2], or is absent when
 * ARGV[1] is "absent"; 1 when written. GET of a missing key is `false` in Lua, which equals no string.
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'absent' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
elseif ARGV[4] == '' then
  redis.call('SET', KEYS[1], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
return 1`;

export function createRedisCommandStore({
  name,
  prefix,
  send,
  close,
}: RedisCommandStoreOptions): SessionStore {
  assertPrefix(prefix);
  const at = (key: string): string => {
    assertKey(key);
    return prefix + key;
  };
  const ttlArgs = (options: SetOptions | undefined): (string | number)[] => {
    const ms = ttlMilliseconds(options);
    return ms === null ? [] : ["PX", ms];
  };
  const decode = <T>(raw: unknown): T | null => (raw === null ? null : decodeValue<T>(String(raw)));
  const compareAndSet = {
    read: async (key: string) => {
      const raw = await send(["GET", at(key)]);
      return raw === null ? null : String(raw);
    },
    // JSON text is never empty, so '' stands for "delete".
    swap: async (key: string, expected: string | null, text: string | null, ttlMs: number | null) =>
      Number(
        await send([
          "EVAL",
          COMPARE_AND_SET,
          1,
          at(key),
          expected === null ? "absent" : "present",
          expected ?? "",
          text ?? "",
          ttlMs ?? "",
        ]),
      ) === 1,
  };

  return {
    name,
    async get<T>(key: string) {
      return decode<T>(await send(["GET", at(key)]));
    },
    async getMany<T>(keys: string[]) {
      if (keys.length === 0) return [];
      const values = (await send(["MGET", ...keys.map(at)])) as unknown[];
      return values.map((raw) => decode<T>(raw));
    },
    async set(key: string, value: unknown, options?: SetOptions) {
      await send(["SET", at(key), encodeValue(value), ...ttlArgs(options)]);
    },
    async delete(key: string) {
      await send(["UNLINK", at(key)]);
    },
    async add(key: string, value: unknown, options?: SetOptions) {
      return (await send(["SET", at(key), encodeValue(value), "NX", ...ttlArgs(options)])) === "OK";
    },
    async take<T>(key: string) {
      return decode<T>(await send(["GETDEL", at(key)]));
    },
    async increment(key: string, by = 1) {
      const target = at(key);
      assertIncrementStep(by);
      try {
        return Number(await send(["INCRBY", target, by]));
      } catch (cause) {
        if (!String(cause).includes("not an integer")) throw cause;
        throw new StoreError("not_an_integer", `cannot increment ${key}: it does not hold an integer`, {
          cause,
        });
      }
    },
    async update<T>(key: string, step: (current: T | null) => UpdateStep<T>) {
      return updateByCompareAndSet(compareAndSet, key, step);
    },
    async keys(keyPrefix: string) {
      assertPrefix(keyPrefix);
      const found = new Set<string>();
      let cursor = "0";
      do {
        const reply = (await send([
          "SCAN",
          cursor,
          "MATCH",
          `${prefix}${keyPrefix}*`,
          "COUNT",
          SCAN_BATCH,
        ])) as [string | number, string[]];
        cursor = String(reply[0]);
        // SCAN may return a key more than once; the set removes repeats.
        for (const key of reply[1]) found.add(key.slice(prefix.length));
      } while (cursor !== "0");
      return [...found].sort();
    },
    sortedSets: {
      async add(key, member, score) {
        assertKey(member);
        await send(["ZADD", at(key), score, member]);
      },
      async remove(key, member) {
        await send(["ZREM", at(key), member]);
      },
      async range(key) {
        return ((await send(["ZRANGE", at(key), 0, -1])) as unknown[]).map(String);
      },
      async rangeAfter(key, after, count) {
        const from = after === null ? "-" : `(${after}`;
        const reply = await send(["ZRANGEBYLEX", at(key), from, "+", "LIMIT", 0, count]);
        return (reply as unknown[]).map(String);
      },
      async rangeBefore(key, before, count) {
        const from = before === null ? "+" : `(${before}`;
        const reply = await send(["ZREVRANGEBYLEX", at(key), from, "-", "LIMIT", 0, count]);
        return (reply as unknown[]).map(String);
      },
    },
    dispose: close,
  };
}
