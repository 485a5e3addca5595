/**
 * In-process session store on a plain Map (through the shared key index). Values are kept as JSON text and parsed
 * on the way out, so callers get copies like from every other backend. Every operation runs synchronously inside
 * its promise, so `add`, `take`, `increment` and `update` are atomic without a lock. Data is lost when the process
 * exits.
 *
 * Not on unstorage's memory driver: it ignores TTLs and its `getKeys` walks every key, while the gateway lists
 * `task:<agentId>:` on every agent connect; the key index answers that from the agent's own keys.
 * @module
 */
import { createKeyIndex } from "./_key-index.ts";
import { decideUpdate } from "./_update.ts";
import {
  assertIncrementStep,
  assertKeyRange,
  assertPrefix,
  counterValue,
  decodeValue,
  encodeValue,
  expiryFor,
  isLive,
} from "./_values.ts";
import {
  assertKey,
  type KeyRange,
  type SessionStore,
  type SessionStoreFactory,
  type SetOptions,
} from "./types.ts";

export interface MemorySessionStoreOptions {
  /** How often (ms) a write may sweep expired keys. Default 60 s. */
  sweepIntervalMs?: number;
}

interface MemoryEntry {
  /** JSON text, so strings such as "123" do not come back as numbers and callers never share an object. */
  text: string;
  /** Epoch ms, or null when the key never expires. */
  expiresAt: number | null;
}

const isLiveEntry = (entry: MemoryEntry): boolean => isLive(entry.expiresAt);

/**
 * @example
 * const store = memorySessionStore({});
 * await store.set("ticket:abc", { agent: "a1" }, { ttl: 30 });
 */
export const memorySessionStore: SessionStoreFactory<MemorySessionStoreOptions> = (options = {}) => {
  const index = createKeyIndex<MemoryEntry>();
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  let nextSweep = Date.now() + sweepIntervalMs;

  /** The live entry of `key`; an expired one is dropped on the spot (nothing can interleave: all of this is sync). */
  const readLive = (key: string): MemoryEntry | null => {
    const entry = index.get(key);
    if (entry === undefined) return null;
    if (isLiveEntry(entry)) return entry;
    index.delete(key);
    return null;
  };

  const write = (key: string, text: string, expiresAt: number | null): void => {
    index.set(key, { text, expiresAt });
    sweepWhenDue();
  };

  /** Visits the keys whose time came (`KeyIndex.expired`), not every key. */
  const sweepWhenDue = (): void => {
    const now = Date.now();
    if (now < nextSweep) return;
    nextSweep = now + sweepIntervalMs;
    for (const key of index.expired(now)) index.delete(key);
  };

  const store: SessionStore = {
    name: "memory",
    local: true,
    async get<T>(key: string) {
      assertKey(key);
      const entry = readLive(key);
      return entry === null ? null : decodeValue<T>(entry.text);
    },
    async getMany<T>(keys: string[]) {
      for (const key of keys) assertKey(key);
      return keys.map((key) => {
        const entry = readLive(key);
        return entry === null ? null : decodeValue<T>(entry.text);
      });
    },
    async set(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      write(key, encodeValue(value), expiryFor(setOptions));
    },
    async delete(key: string) {
      assertKey(key);
      index.delete(key);
    },
    async add(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      const text = encodeValue(value);
      const expiresAt = expiryFor(setOptions);
      if (readLive(key) !== null) return false;
      write(key, text, expiresAt);
      return true;
    },
    async take<T>(key: string) {
      assertKey(key);
      const entry = readLive(key);
      if (entry === null) return null;
      index.delete(key);
      return decodeValue<T>(entry.text);
    },
    async increment(key: string, by = 1) {
      assertKey(key);
      assertIncrementStep(by);
      const entry = readLive(key);
      const next = (entry === null ? 0 : counterValue(key, decodeValue(entry.text))) + by;
      // Like Redis INCRBY, a live key keeps its TTL.
      write(key, String(next), entry?.expiresAt ?? null);
      return next;
    },
    async update(key, step) {
      assertKey(key);
      // Read, decide and write in one synchronous step.
      const entry = readLive(key);
      const { result, write: next } = decideUpdate(entry?.text ?? null, step);
      if (next?.text === null) index.delete(key);
      else if (next) write(key, next.text, next.ttlMs === null ? null : Date.now() + next.ttlMs);
      return result;
    },
    async keys(prefix: string) {
      assertPrefix(prefix);
      const now = Date.now();
      return index.keys(prefix, now);
    },
    async keyRange(prefix: string, range: KeyRange) {
      assertKeyRange(prefix, range);
      return index.range(prefix, range, Date.now());
    },
    async dispose() {
      index.clear();
    },
  };
  return store;
};
