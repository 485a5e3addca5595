/**
 * Session store on the local file system: one JSON file per key (`{ "value": …, "expiresAt": epochMs }`), written
 * atomically (temp file + rename; not fsynced). An in-memory index of keys and expiries, loaded by one scan on first
 * use, answers `keys()` (by prefix group, see `_key-index.ts`) and expiry checks without touching the disk, so writes
 * stay flat as the key count grows; a bounded cache of recently used values answers most `get`s without it too.
 * Single-process: atomic operations run under a per-key lock, and only one process may use a directory at a time.
 *
 * unstorage's fs drivers are not used: they write in place (no rename) and map `agent:abc` to a path that cannot
 * coexist with `agent:abc:x`.
 * @module
 */
import { StoreError } from "./_errors.ts";
import { createFileTree, type FileSystemLike } from "./_fs-files.ts";
import { createKeyIndex, type KeyIndex } from "./_key-index.ts";
import { createKeyLock } from "./_key-lock.ts";
import { createTextCache } from "./_text-cache.ts";
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

export type { FileSystemLike } from "./_fs-files.ts";

export interface FsSessionStoreOptions {
  /** Directory that holds the data (created on first write). */
  dir: string;
  /** File-system API: pass `node:fs/promises`. */
  fs: FileSystemLike;
  /** How often (ms) a write may sweep expired keys from disk. Default 60 s. */
  sweepIntervalMs?: number;
  /** Most values kept in memory (as JSON text) so `get` skips the disk. Default 10,000; 0 turns the cache off. */
  cacheEntries?: number;
  /** Most characters of JSON text the cache holds in all. Default 16 Mi (a longer single value is not cached). */
  cacheChars?: number;
}

interface StoredFile {
  value: unknown;
  expiresAt?: number;
}

/** What the index knows of a key. A new object per write, so a reader can tell whether the key changed under it. */
interface IndexEntry {
  /** Epoch ms, or NO_EXPIRY. */
  readonly expiresAt: number;
}

type Index = KeyIndex<IndexEntry>;

const NO_EXPIRY = 0;
const SCAN_CONCURRENCY = 32;
const CACHE_ENTRIES = 10_000;
const CACHE_CHARS = 16 * 1024 * 1024;

/**
 * @example
 * import * as fs from "node:fs/promises";
 * const store = fsSessionStore({ dir: "./.data/sessions", fs });
 */
export const fsSessionStore: SessionStoreFactory<FsSessionStoreOptions> = (options) => {
  if (!options?.dir) throw new StoreError("missing_option", "fsSessionStore needs `dir`, the data directory");
  if (!options.fs)
    throw new StoreError("missing_option", "fsSessionStore needs `fs`: pass `node:fs/promises`");
  const files = createFileTree({ dir: options.dir, fs: options.fs, extension: ".json" });
  const withKey = createKeyLock();
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const decoder = new TextDecoder();
  // Reading through a cache is safe because this process is the only writer of the directory (the data-dir lock,
  // `gateway.lock`, keeps other gateways off it), so a cached value can only go stale through our own writes,
  // which update it. Files edited by hand while the gateway runs are not seen until it restarts.
  const cache = createTextCache({
    maxEntries: options.cacheEntries ?? CACHE_ENTRIES,
    maxChars: options.cacheChars ?? CACHE_CHARS,
  });
  let nextSweep = Date.now() + sweepIntervalMs;
  let indexLoad: Promise<Index> | undefined;

  const parse = (key: string, bytes: Uint8Array): StoredFile => {
    try {
      return JSON.parse(decoder.decode(bytes)) as StoredFile;
    } catch (cause) {
      throw new StoreError("corrupt_entry", `the file of ${key} in ${options.dir} is not valid JSON`, {
        cause,
      });
    }
  };

  /** Every key with its expiry, from one scan of the directory. */
  const loadIndex = async (): Promise<Index> => {
    const keys = await files.list();
    const index = createKeyIndex<IndexEntry>();
    let next = 0;
    // A small pool of readers: enough to keep the thread pool busy without opening thousands of files at once.
    const reader = async (): Promise<void> => {
      while (next < keys.length) {
        const key = keys[next++]!;
        const bytes = await files.read(key);
        if (bytes === null) continue;
        let expiresAt: number | undefined;
        try {
          expiresAt = (JSON.parse(decoder.decode(bytes)) as StoredFile).expiresAt;
        } catch {
          // Unreadable entries stay listed; `get` reports them with a clear error.
        }
        index.set(key, { expiresAt: expiresAt ?? NO_EXPIRY });
      }
    };
    await Promise.all(Array.from({ length: SCAN_CONCURRENCY }, reader));
    return index;
  };
  const loadedIndex = (): Promise<Index> => {
    indexLoad ??= loadIndex();
    return indexLoad;
  };
  const isLiveEntry = (entry: IndexEntry, now = Date.now()): boolean =>
    entry.expiresAt === NO_EXPIRY || isLive(entry.expiresAt, now);
  const live = (index: Index, key: string): boolean => {
    const entry = index.get(key);
    return entry !== undefined && isLiveEntry(entry);
  };

  /** Drops `key` from memory (index and cache); the file is the caller's business. */
  const unindex = (index: Index, key: string): void => {
    index.delete(key);
    cache.delete(key);
  };

  const forget = async (index: Index, key: string): Promise<void> => {
    unindex(index, key);
    await files.remove(key);
  };

  /** Removes `key` if it is still expired once its lock is free (it may have been rewritten meanwhile). */
  const dropIfExpired = (index: Index, key: string): void => {
    void withKey(key, async () => {
      if (index.has(key) && !live(index, key)) await forget(index, key);
    }).catch(() => {
      // A failed removal only leaves an expired file behind; reads keep treating it as absent.
    });
  };

  /**
   * A fresh copy of the value of a live key, or null: from the cache, else from its file. Expired keys are queued
   * for removal rather than removed inline, so an unlocked `get` never deletes a value a concurrent `set` has just
   * written.
   */
  const readLive = async (
    index: Index,
    key: string,
    isLocked: boolean,
  ): Promise<{ value: unknown } | null> => {
    const entry = index.get(key);
    if (entry === undefined) return null;
    if (!isLiveEntry(entry)) {
      dropIfExpired(index, key);
      return null;
    }
    const text = cache.get(key);
    if (text !== undefined) return { value: decodeValue(text) };
    const bytes = await files.read(key);
    if (bytes === null) {
      // Only a lock holder may correct the index; without the lock the file may be mid-replacement.
      if (isLocked) unindex(index, key);
      return null;
    }
    const stored = parse(key, bytes);
    // Cache what we read only if no write or delete replaced the entry meanwhile: an unlocked read may have opened
    // the file just before a rename, and must not put the older bytes over the text that write has cached.
    const valueText = JSON.stringify(stored.value) as string | undefined;
    if (index.get(key) === entry && valueText !== undefined) cache.set(key, valueText);
    return stored;
  };

  const write = async (index: Index, key: string, text: string, expiresAt: number | null) => {
    const body = expiresAt === null ? `{"value":${text}}` : `{"value":${text},"expiresAt":${expiresAt}}`;
    await files.write(key, body);
    index.set(key, { expiresAt: expiresAt ?? NO_EXPIRY });
    cache.set(key, text);
    sweepWhenDue(index);
  };

  const sweepWhenDue = (index: Index): void => {
    const now = Date.now();
    if (now < nextSweep) return;
    nextSweep = now + sweepIntervalMs;
    for (const [key, entry] of index.entries()) {
      if (!isLiveEntry(entry, now)) dropIfExpired(index, key);
    }
  };

  const inFlight = new Set<Promise<unknown>>();
  /** Runs `work` with the index loaded and the key locked; `dispose` waits for it. */
  const locked = <T>(key: string, work: (index: Index) => Promise<T>): Promise<T> => {
    const operation = loadedIndex().then((index) => withKey(key, () => work(index)));
    const settled: Promise<unknown> = operation.then(
      () => inFlight.delete(settled),
      () => inFlight.delete(settled),
    );
    inFlight.add(settled);
    return operation;
  };

  const store: SessionStore = {
    name: "fs",
    async get<T>(key: string) {
      assertKey(key);
      const stored = await readLive(await loadedIndex(), key, false);
      return stored === null ? null : (stored.value as T);
    },
    async set(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      const text = encodeValue(value);
      const expiresAt = expiryFor(setOptions);
      return locked(key, (index) => write(index, key, text, expiresAt));
    },
    async delete(key: string) {
      assertKey(key);
      return locked(key, (index) => forget(index, key));
    },
    async add(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      const text = encodeValue(value);
      const expiresAt = expiryFor(setOptions);
      return locked(key, async (index) => {
        if ((await readLive(index, key, true)) !== null) return false;
        await write(index, key, text, expiresAt);
        return true;
      });
    },
    async take<T>(key: string) {
      assertKey(key);
      return locked(key, async (index) => {
        const stored = await readLive(index, key, true);
        if (stored === null) return null;
        await forget(index, key);
        return stored.value as T;
      });
    },
    async increment(key: string, by = 1) {
      assertKey(key);
      assertIncrementStep(by);
      return locked(key, async (index) => {
        const stored = await readLive(index, key, true);
        const next = (stored === null ? 0 : counterValue(key, stored.value)) + by;
        // Like Redis INCRBY, a live key keeps its TTL.
        const expiresAt = stored === null ? NO_EXPIRY : (index.get(key)?.expiresAt ?? NO_EXPIRY);
        await write(index, key, String(next), expiresAt === NO_EXPIRY ? null : expiresAt);
        return next;
      });
    },
    async keys(prefix: string) {
      assertPrefix(prefix);
      const index = await loadedIndex();
      const now = Date.now();
      return index.keys(prefix, (entry) => isLiveEntry(entry, now));
    },
    async dispose() {
      // Let in-flight writes finish; the files are the state, so there is nothing else to flush.
      await Promise.all(inFlight);
      cache.clear();
    },
  };
  return store;
};
