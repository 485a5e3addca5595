/**
 * Session store on the local file system, log-structured like Redis's append-only file: the whole live dataset is
 * held in memory (key → JSON text and expiry, in the shared prefix index), and every mutation appends one line to
 * `<dir>/journal.ndjson` (format in `_journal-lines.ts`). Lines written while the previous write is in flight share
 * one `write` and one `fdatasync` (group commit, `_journal-file.ts`); by default a mutation resolves once its line
 * is on disk (the `sync` option, `_journal-sync.ts`). Opening the store replays the committed batches of the
 * journal; a torn last batch is cut off. When the journal outgrows the live data it is rewritten as a snapshot of the
 * live entries.
 *
 * Every operation checks and updates memory in one synchronous step before it appends, so `add`, `take`,
 * `increment` and `update` are atomic without locks. Single-process: only one process may use a directory at a
 * time (the data-dir lock in `runtimes/shared/data-dir-lock.ts`).
 * @module
 */
import { StoreError } from "./_errors.ts";
import { isNotFound, syncCreatedDirectories } from "./_fs-files.ts";
import { type JournalFile, type JournalFileSystem, openJournalFile } from "./_journal-file.ts";
import { deleteLine, replayJournal, setLine } from "./_journal-lines.ts";
import { assertFsSyncMode, type FsSyncMode, type WriteThroughFlags } from "./_journal-sync.ts";
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
import type { IncrementOptions, StoreUsage } from "./types.ts";
import {
  assertKey,
  type KeyRange,
  type SessionStore,
  type SessionStoreFactory,
  type SetOptions,
} from "./types.ts";

export type { FileHandleLike, JournalFileSystem } from "./_journal-file.ts";
export { type FsSyncMode, parseFsSyncMode, type WriteThroughFlags } from "./_journal-sync.ts";

export interface FsSessionStoreOptions {
  /** Directory that holds the journal (created on first use). */
  dir: string;
  /** File-system API: pass `node:fs/promises`. */
  fs: JournalFileSystem;
  /** How often (ms) a write may sweep expired keys. Default 60 s. */
  sweepIntervalMs?: number;
  /** The journal is compacted only once it is at least this big (and twice the live data). Default 4 MiB. */
  compactionMinBytes?: number;
  /**
   * When a write reaches the disk before it is acknowledged: `"always"` (default, fdatasync before resolving,
   * shared by every write of a batch), `{ everyMs }` (resolve once in the OS, sync within that window) or `"off"`.
   */
  sync?: FsSyncMode;
  /** Zero-filled space the journal adds at a time in sync mode `always`. Default 4 MiB. */
  preallocateBytes?: number;
  /**
   * Sync mode `always`: open the journal with `O_DSYNC` (pass `fs.constants` where it has one), so a batch is on disk
   * when its `write` returns, with no `fdatasync` after it. Default: write, then `fdatasync`. Only where a file
   * write does not hold up the event loop while it waits for the disk (not on Deno: `runtimes/shared/fs-stores.ts`).
   */
  writeThrough?: WriteThroughFlags | null;
  /**
   * Live data (as journal characters) above which `usage()` says the store is full; default: no limit. The store
   * never refuses a write for it: the gateway stops taking new work (tasks, inbox messages), and updates, deletes
   * and counters go on, so the work already queued can finish and make room.
   */
  maxLiveBytes?: number | null;
}

/** The fs store also reports its journal's activity, for benches and health checks. */
export interface FsSessionStore extends SessionStore {
  /** `fsync`/`fdatasync` calls and write-through batch writes so far (0 before the journal is opened). */
  syncCount(): number;
  usage(): StoreUsage;
}

/** A new object per write, so a compaction snapshot can hold on to entries while the Map moves on. */
interface Entry {
  /** JSON text; parsed on every `get`, so callers never share an object with the store. */
  readonly text: string;
  /** Epoch ms, or null when the key never expires. */
  readonly expiresAt: number | null;
}

export const JOURNAL_FILE = "journal.ndjson";
const COMPACTION_MIN_BYTES = 4 * 1024 * 1024;
/** Bytes of a journal line besides key and value (`{"k":"","e":1730000000000,"v":}` plus newline). */
const LINE_OVERHEAD = 32;

/** What `readJournal` returns when there is no journal yet (compared by identity). */
const MISSING = new Uint8Array();

const isWritable = (log: JournalFile): boolean => {
  try {
    log.assertWritable();
    return true;
  } catch {
    return false; // the next write reports why
  }
};

const entrySize = (key: string, entry: Entry): number => key.length + entry.text.length + LINE_OVERHEAD;

/**
 * @example
 * import * as fs from "node:fs/promises";
 * const store = fsSessionStore({ dir: "./.data/sessions", fs });
 */
export const fsSessionStore: SessionStoreFactory<FsSessionStoreOptions, FsSessionStore> = (options) => {
  if (!options?.dir) throw new StoreError("missing_option", "fsSessionStore needs `dir`, the data directory");
  if (!options.fs)
    throw new StoreError("missing_option", "fsSessionStore needs `fs`: pass `node:fs/promises`");
  const { fs } = options;
  const dir = options.dir.replace(/[\\/]+$/, "") || "/";
  const path = `${dir}/${JOURNAL_FILE}`;
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const compactionMinBytes = options.compactionMinBytes ?? COMPACTION_MIN_BYTES;
  const sync = options.sync ?? "always";
  assertFsSyncMode(sync);
  const maxLiveBytes = options.maxLiveBytes ?? null;
  if (maxLiveBytes !== null && !(Number.isSafeInteger(maxLiveBytes) && maxLiveBytes > 0)) {
    throw new StoreError(
      "invalid_option",
      `maxLiveBytes must be a positive integer or null, got ${maxLiveBytes}`,
    );
  }
  const index = createKeyIndex<Entry>();
  /** Approximate size of the live data as journal lines (characters, not bytes: a cheap estimate suffices). */
  let liveSize = 0;
  let nextSweep = Date.now() + sweepIntervalMs;
  let nextFullSweep = 0;
  let journal: JournalFile | null = null;
  let opening: Promise<JournalFile> | undefined;
  let disposed = false;

  const put = (key: string, entry: Entry): void => {
    const previous = index.set(key, entry);
    if (previous !== undefined) liveSize -= entrySize(key, previous);
    liveSize += entrySize(key, entry);
  };
  const remove = (key: string): boolean => {
    const previous = index.get(key);
    if (previous === undefined) return false;
    index.delete(key);
    liveSize -= entrySize(key, previous);
    return true;
  };

  const open = async (): Promise<JournalFile> => {
    const firstCreated = await fs.mkdir(dir, { recursive: true });
    if (typeof firstCreated === "string" && sync !== "off")
      await syncCreatedDirectories(fs, dir, firstCreated);
    await removeCompactionLeftovers();
    const bytes = await readJournal();
    const { validBytes, committed } = replayJournal(bytes, path, (change) => {
      if (change.text === null) remove(change.key);
      else put(change.key, { text: change.text, expiresAt: change.expiresAt });
    });
    // Dropped from memory; the next compaction drops the lines.
    for (const key of index.expired(Date.now())) remove(key);
    const created = bytes === MISSING;
    journal = await openJournalFile({
      fs,
      path,
      dir,
      sync,
      created,
      fileBytes: bytes.length,
      validBytes,
      committed,
      preallocateBytes: options.preallocateBytes,
      writeThrough: options.writeThrough,
      liveBytes: liveSize,
    });
    return journal;
  };
  const readJournal = async (): Promise<Uint8Array> => {
    try {
      return await fs.readFile(path);
    } catch (error) {
      if (isNotFound(error)) return MISSING;
      throw error;
    }
  };
  /** Temp snapshots of a compaction a crash interrupted; the journal itself is still complete. */
  const removeCompactionLeftovers = async (): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith(`${JOURNAL_FILE}.`) && entry.name.endsWith(".tmp")) {
        await fs.unlink(`${dir}/${entry.name}`).catch(() => {}); // best effort
      }
    }
  };
  /** The open journal, after loading it on first use. */
  const ready = (): JournalFile | Promise<JournalFile> => {
    if (journal !== null) return journal;
    if (disposed) throw new StoreError("store_disposed", `the session store on ${dir} was disposed`);
    opening ??= open();
    return opening;
  };

  /** The live entry of `key`; an expired one is removed (and the removal journaled) on the spot. */
  const readLive = (log: JournalFile, key: string): Entry | null => {
    const entry = index.get(key);
    if (entry === undefined) return null;
    if (isLive(entry.expiresAt)) return entry;
    expire(log, key);
    return null;
  };
  const expire = (log: JournalFile, key: string): void => {
    remove(key);
    // Nobody waits for this line; if it fails, the journal is stopped and the next write reports why.
    void log.append(deleteLine(key)).catch(() => {});
  };

  const write = (log: JournalFile, key: string, text: string, expiresAt: number | null): Promise<void> => {
    log.assertWritable(); // a stopped journal must not let memory run ahead of the disk
    put(key, { text, expiresAt });
    const written = log.append(setLine(key, text, expiresAt));
    afterMutation(log);
    return written;
  };
  /** A write nobody waits for (`increment` with `durable: false`): it rides with the next one (`appendRelaxed`). */
  const writeRelaxed = (log: JournalFile, key: string, text: string, expiresAt: number | null): void => {
    log.assertWritable();
    put(key, { text, expiresAt });
    log.appendRelaxed(key, setLine(key, text, expiresAt));
    afterMutation(log);
  };
  const erase = (log: JournalFile, key: string): Promise<void> => {
    log.assertWritable();
    if (!remove(key)) return Promise.resolve();
    const written = log.append(deleteLine(key));
    afterMutation(log);
    return written;
  };

  const sweep = (log: JournalFile, now: number): void => {
    for (const key of index.expired(now)) expire(log, key);
  };
  const afterMutation = (log: JournalFile): void => {
    const now = Date.now();
    if (now >= nextSweep) {
      nextSweep = now + sweepIntervalMs;
      sweep(log, now);
    }
    if (
      !log.compacting &&
      log.size >= compactionMinBytes &&
      log.size > 2 * liveSize &&
      log.size > 2 * log.baseSize
    ) {
      // The writers' promises already cover their lines; a failed compaction leaves the old journal in use.
      void log.rewrite(snapshot).catch(() => {});
    }
  };
  /** Every live entry as a set line; the entry list is copied now, the lines are built as the rewrite asks. */
  const snapshot = (): Iterable<string> => {
    const entries = [...index.entries()];
    return (function* lines() {
      const now = Date.now();
      for (const [key, entry] of entries) {
        if (isLive(entry.expiresAt, now)) yield setLine(key, entry.text, entry.expiresAt);
      }
    })();
  };

  const store: FsSessionStore = {
    name: "fs",
    local: true,
    syncCount: () => journal?.syncs ?? 0,
    usage() {
      // At the limit, expired entries are dropped now (at most once a second) rather than at the next sweep, so
      // finished tasks that expired make room as soon as they may.
      const now = Date.now();
      if (maxLiveBytes !== null && liveSize >= maxLiveBytes && journal !== null && now >= nextFullSweep) {
        nextFullSweep = now + 1000;
        if (isWritable(journal)) sweep(journal, now);
      }
      return { liveBytes: liveSize, maxLiveBytes };
    },
    async get<T>(key: string) {
      assertKey(key);
      const entry = readLive(journal ?? (await ready()), key);
      return entry === null ? null : decodeValue<T>(entry.text);
    },
    async getMany<T>(keys: string[]) {
      for (const key of keys) assertKey(key);
      const open = journal ?? (await ready());
      return keys.map((key) => {
        const entry = readLive(open, key);
        return entry === null ? null : decodeValue<T>(entry.text);
      });
    },
    // `set` and `delete` hand back the journal's own promise rather than wrapping it in an async function's: a
    // durable task makes two sets, and resolving an async function with a promise costs extra ticks and objects.
    set(key: string, value: unknown, setOptions?: SetOptions) {
      try {
        assertKey(key);
        const text = encodeValue(value);
        const expiresAt = expiryFor(setOptions);
        if (journal !== null) return write(journal, key, text, expiresAt);
        return Promise.resolve(ready()).then((log) => write(log, key, text, expiresAt));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    delete(key: string) {
      try {
        assertKey(key);
        if (journal !== null) return erase(journal, key);
        return Promise.resolve(ready()).then((log) => erase(log, key));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async add(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      const text = encodeValue(value);
      const expiresAt = expiryFor(setOptions);
      const log = journal ?? (await ready());
      // From here to the append nothing awaits, so no other operation can slip in between check and write.
      if (readLive(log, key) !== null) return false;
      await write(log, key, text, expiresAt);
      return true;
    },
    async take<T>(key: string) {
      assertKey(key);
      const log = journal ?? (await ready());
      const entry = readLive(log, key);
      if (entry === null) return null;
      await erase(log, key);
      return decodeValue<T>(entry.text);
    },
    async increment(key: string, by = 1, incrementOptions?: IncrementOptions) {
      assertKey(key);
      assertIncrementStep(by);
      const log = journal ?? (await ready());
      const entry = readLive(log, key);
      const next = (entry === null ? 0 : counterValue(key, decodeValue(entry.text))) + by;
      // Like Redis INCRBY, a live key keeps its TTL.
      const expiresAt = entry?.expiresAt ?? null;
      // Not durable: the line goes out ahead of the next write, or within a second; a failure stops the journal.
      if (incrementOptions?.durable === false) writeRelaxed(log, key, String(next), expiresAt);
      else await write(log, key, String(next), expiresAt);
      return next;
    },
    async update(key, step) {
      assertKey(key);
      const log = journal ?? (await ready());
      const { result, write: next } = decideUpdate(readLive(log, key)?.text ?? null, step);
      if (next?.text === null) await erase(log, key);
      else if (next) await write(log, key, next.text, next.ttlMs === null ? null : Date.now() + next.ttlMs);
      return result;
    },
    async keys(prefix: string) {
      assertPrefix(prefix);
      await ready();
      const now = Date.now();
      return index.keys(prefix, now);
    },
    async keyRange(prefix: string, range: KeyRange) {
      assertKeyRange(prefix, range);
      await ready();
      return index.range(prefix, range, Date.now());
    },
    async dispose() {
      disposed = true;
      const log = journal ?? (await opening?.catch(() => null));
      await log?.close(); // writes what is still queued first
      index.clear();
      liveSize = 0;
    },
  };
  return store;
};
