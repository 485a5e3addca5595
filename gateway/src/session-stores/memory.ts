/**
 * In-process session store on unstorage's memory driver. Values are copied through JSON on the way in and out, like
 * every other backend. unstorage ignores TTLs here, so expiries live in a map beside the values; atomic operations
 * run under a per-key lock. Data is lost when the process exits.
 * @module
 */
import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { createKeyLock } from "./_key-lock.ts";
import {
  assertIncrementStep,
  assertPrefix,
  counterValue,
  decodeValue,
  encodeValue,
  expiryFor,
  isLive,
} from "./_values.ts";
import { assertKey, type SessionStore, type SessionStoreFactory, type SetOptions } from "./types.ts";

export interface MemorySessionStoreOptions {
  /** How often (ms) a write may sweep expired keys. Default 60 s. */
  sweepIntervalMs?: number;
}

/**
 * @example
 * const store = memorySessionStore({});
 * await store.set("ticket:abc", { agent: "a1" }, { ttl: 30 });
 */
export const memorySessionStore: SessionStoreFactory<MemorySessionStoreOptions> = (options = {}) => {
  // Values are stored as JSON text (raw) so strings such as "123" do not come back as numbers.
  const storage = createStorage<string>({ driver: memoryDriver() });
  const expiries = new Map<string, number>();
  const withKey = createKeyLock();
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  let nextSweep = Date.now() + sweepIntervalMs;

  const forget = async (key: string): Promise<void> => {
    expiries.delete(key);
    await storage.removeItem(key);
  };

  /** Removes `key` if it is still expired once its lock is free (it may have been rewritten meanwhile). */
  const dropIfExpired = (key: string): void => {
    void withKey(key, async () => {
      if (!isLive(expiries.get(key))) await forget(key);
    });
  };

  /** The JSON text of a live key, or null; expired keys are queued for removal under their lock. */
  const readLive = async (key: string): Promise<string | null> => {
    if (!isLive(expiries.get(key))) {
      dropIfExpired(key);
      return null;
    }
    return (await storage.getItemRaw<string>(key)) ?? null;
  };

  const write = async (key: string, text: string, expiresAt: number | null): Promise<void> => {
    await storage.setItemRaw(key, text);
    if (expiresAt === null) expiries.delete(key);
    else expiries.set(key, expiresAt);
    sweepWhenDue();
  };

  const sweepWhenDue = (): void => {
    const now = Date.now();
    if (now < nextSweep) return;
    nextSweep = now + sweepIntervalMs;
    for (const [key, expiresAt] of expiries) {
      if (!isLive(expiresAt, now)) dropIfExpired(key);
    }
  };

  const store: SessionStore = {
    name: "memory",
    async get<T>(key: string) {
      assertKey(key);
      const text = await readLive(key);
      return text === null ? null : decodeValue<T>(text);
    },
    async set(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      const text = encodeValue(value);
      const expiresAt = expiryFor(setOptions);
      return withKey(key, () => write(key, text, expiresAt));
    },
    async delete(key: string) {
      assertKey(key);
      return withKey(key, () => forget(key));
    },
    async add(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      const text = encodeValue(value);
      const expiresAt = expiryFor(setOptions);
      return withKey(key, async () => {
        if ((await readLive(key)) !== null) return false;
        await write(key, text, expiresAt);
        return true;
      });
    },
    async take<T>(key: string) {
      assertKey(key);
      return withKey(key, async () => {
        const text = await readLive(key);
        if (text === null) return null;
        await forget(key);
        return decodeValue<T>(text);
      });
    },
    async increment(key: string, by = 1) {
      assertKey(key);
      assertIncrementStep(by);
      return withKey(key, async () => {
        const text = await readLive(key);
        const next = (text === null ? 0 : counterValue(key, decodeValue(text))) + by;
        // Like Redis INCRBY, a live key keeps its TTL.
        await write(key, String(next), text === null ? null : (expiries.get(key) ?? null));
        return next;
      });
    },
    async keys(prefix: string) {
      assertPrefix(prefix);
      const now = Date.now();
      const all = await storage.getKeys();
      return all.filter((key) => key.startsWith(prefix) && isLive(expiries.get(key), now)).sort();
    },
    async dispose() {
      expiries.clear();
      await storage.dispose();
    },
  };
  return store;
};
