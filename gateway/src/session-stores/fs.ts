/**
 * Session store on the local file system: one JSON file per key (`{ "value": …, "expiresAt": epochMs }`), written
 * atomically (temp file + rename; not fsynced). An in-memory index of keys and expiries, loaded by one scan on first
 * use, answers `keys()` and expiry checks without touching the disk, so writes stay flat as the key count grows.
 * Single-process: atomic operations run under a per-key lock, and only one process may use a directory at a time.
 *
 * unstorage's fs drivers are not used: they write in place (no rename) and map `agent:abc` to a path that cannot
 * coexist with `agent:abc:x`.
 * @module
 */
import { StoreError } from "./_errors.ts";
import { createFileTree, type FileSystemLike } from "./_fs-files.ts";
import { createKeyLock } from "./_key-lock.ts";
import {
  assertIncrementStep,
  assertPrefix,
  counterValue,
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
}

interface StoredFile {
  value: unknown;
  expiresAt?: number;
}

const NO_EXPIRY = 0;
const SCAN_CONCURRENCY = 32;

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
  let nextSweep = Date.now() + sweepIntervalMs;
  let indexLoad: Promise<Map<string, number>> | undefined;

  const parse = (key: string, bytes: Uint8Array): StoredFile => {
    try {
      return JSON.parse(decoder.decode(bytes)) as StoredFile;
    } catch (cause) {
      throw new StoreError("corrupt_entry", `the file of ${key} in ${options.dir} is not valid JSON`, {
        cause,
      });
    }
  };

  /** Key → expiry (epoch ms, or NO_EXPIRY), from one scan of the directory. */
  const loadIndex = async (): Promise<Map<string, number>> => {
    const keys = await files.list();
    const index = new Map<string, number>();
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
        index.set(key, expiresAt ?? NO_EXPIRY);
      }
    };
    await Promise.all(Array.from({ length: SCAN_CONCURRENCY }, reader));
    return index;
  };
  const index = (): Promise<Map<string, number>> => {
    indexLoad ??= loadIndex();
    return indexLoad;
  };
  const live = (entries: Map<string, number>, key: string, now = Date.now()): boolean => {
    const expiresAt = entries.get(key);
    return expiresAt !== undefined && (expiresAt === NO_EXPIRY || isLive(expiresAt, now));
  };

  const forget = async (entries: Map<string, number>, key: string): Promise<void> => {
    entries.delete(key);
    await files.remove(key);
  };

  /** Removes `key` if it is still expired once its lock is free (it may have been rewritten meanwhile). */
  const dropIfExpired = (entries: Map<string, number>, key: string): void => {
    void withKey(key, async () => {
      if (entries.has(key) && !live(entries, key)) await forget(entries, key);
    }).catch(() => {
      // A failed removal only leaves an expired file behind; reads keep treating it as absent.
    });
  };

  /**
   * The stored file of a live key, or null. Expired keys are queued for removal rather than removed inline, so an
   * unlocked `get` never deletes a value a concurrent `set` has just written.
   */
  const readLive = async (entries: Map<string, number>, key: string, isLocked: boolean) => {
    if (!live(entries, key)) {
      if (entries.has(key)) dropIfExpired(entries, key);
      return null;
    }
    const bytes = await files.read(key);
    if (bytes === null) {
      // Only a lock holder may correct the index; without the lock the file may be mid-replacement.
      if (isLocked) entries.delete(key);
      return null;
    }
    return parse(key, bytes);
  };

  const write = async (entries: Map<string, number>, key: string, text: string, expiresAt: number | null) => {
    const body = expiresAt === null ? `{"value":${text}}` : `{"value":${text},"expiresAt":${expiresAt}}`;
    await files.write(key, body);
    entries.set(key, expiresAt ?? NO_EXPIRY);
    sweepWhenDue(entries);
  };

  const sweepWhenDue = (entries: Map<string, number>): void => {
    const now = Date.now();
    if (now < nextSweep) return;
    nextSweep = now + sweepIntervalMs;
    for (const key of entries.keys()) {
      if (!live(entries, key, now)) dropIfExpired(entries, key);
    }
  };

  const inFlight = new Set<Promise<unknown>>();
  /** Runs `work` with the index loaded and the key locked; `dispose` waits for it. */
  const locked = <T>(key: string, work: (entries: Map<string, number>) => Promise<T>): Promise<T> => {
    const operation = index().then((entries) => withKey(key, () => work(entries)));
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
      const stored = await readLive(await index(), key, false);
      return stored === null ? null : (stored.value as T);
    },
    async set(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      const text = encodeValue(value);
      const expiresAt = expiryFor(setOptions);
      return locked(key, (entries) => write(entries, key, text, expiresAt));
    },
    async delete(key: string) {
      assertKey(key);
      return locked(key, (entries) => forget(entries, key));
    },
    async add(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      const text = encodeValue(value);
      const expiresAt = expiryFor(setOptions);
      return locked(key, async (entries) => {
        if ((await readLive(entries, key, true)) !== null) return false;
        await write(entries, key, text, expiresAt);
        return true;
      });
    },
    async take<T>(key: string) {
      assertKey(key);
      return locked(key, async (entries) => {
        const stored = await readLive(entries, key, true);
        if (stored === null) return null;
        await forget(entries, key);
        return stored.value as T;
      });
    },
    async increment(key: string, by = 1) {
      assertKey(key);
      assertIncrementStep(by);
      return locked(key, async (entries) => {
        const stored = await readLive(entries, key, true);
        const next = (stored === null ? 0 : counterValue(key, stored.value)) + by;
        // Like Redis INCRBY, a live key keeps its TTL.
        await write(entries, key, String(next), stored?.expiresAt ?? null);
        return next;
      });
    },
    async keys(prefix: string) {
      assertPrefix(prefix);
      const entries = await index();
      const now = Date.now();
      const result: string[] = [];
      for (const key of entries.keys()) {
        if (key.startsWith(prefix) && live(entries, key, now)) result.push(key);
      }
      return result.sort();
    },
    async dispose() {
      // Let in-flight writes finish; the files are the state, so there is nothing else to flush.
      await Promise.all(inFlight);
    },
  };
  return store;
};
