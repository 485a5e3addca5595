/**
 * The append-only journal file of the fs session store, with group commit and compaction.
 *
 * - **Group commit**: `append(line)` queues the line; every line queued while the previous write (and sync) was in
 *   flight (or in the same tick, when idle) goes out in ONE `write`, ended by a commit line (`_journal-lines.ts`),
 *   followed, in sync mode `always`, by ONE `fdatasync`. The promise of a line settles when its batch is on disk
 *   (`always`) or in the OS (a sync window, `off`; see `_journal-sync.ts`). Writes and syncs never overlap. Opened
 *   write-through (`O_DSYNC`), the write itself is the sync.
 * - **Zero-filled space ahead** (sync mode `always`): batches overwrite space the journal filled with zeros and
 *   fsynced beforehand, `PREALLOCATE_BYTES` at a time, instead of growing the file. An `fdatasync` after an append
 *   must also commit the file's new size and blocks to the file system's own journal; after an overwrite it only
 *   writes the data: a write + sync took 15–25% less time and 10–20% less CPU here (docs/storage.md). The price is
 *   that a power cut can land an unsynced batch's pages in any order, which the commit lines make safe. The zeros
 *   after the data are cut off at open and at a clean close. The other sync modes let the file grow as before: with
 *   several batches written and not yet synced, out-of-order pages could not be told from damage.
 * - **Compaction** (`rewrite`): when its turn in the queue comes, the live dataset is captured synchronously and
 *   written to a temp file in the background while batches keep going to the old file (acknowledged as usual) and
 *   are remembered. Once the snapshot is written, the queue pauses briefly: the remembered lines are appended to
 *   the temp file, it is fsynced and renamed over the journal, the directory is fsynced and the handle reopened
 *   (`_journal-snapshot.ts`). A crash at any step leaves either the complete old journal or the complete new one
 *   (tests/session-stores/fs-crash.test.ts).
 * - **Relaxed lines** (`appendRelaxed`: a count whose loss to a power cut is harmless) wait in memory
 *   and go out ahead of the next ordinary line, or in a batch of their own within `RELAXED_FLUSH_MS`
 *   (`_journal-relaxed.ts`): a gateway counting every call's rate limit with a write and an `fdatasync` of its own
 *   took 0.35 ms per sequential call on the fs store instead of 0.22 ms. Order is kept: they are written before any later line.
 *   Of a key's relaxed lines only the latest is written when several wait, or share a batch.
 * - **Fail-stop**: when a write or sync fails (disk full, I/O error) every later `append` rejects with
 *   `journal_write_failed` until the store is reopened. A failed fsync is never retried (see docs/storage.md).
 * @module
 */
import { StoreError } from "./_errors.ts";
import type { FileSystemLike } from "./_fs-files.ts";
import {
  addRelaxed,
  type Batch,
  createBatchEncoder,
  newBatch,
  type WritableHandle,
  writeAll,
} from "./_journal-batch.ts";
import { commitLine } from "./_journal-lines.ts";
import { relaxedLines } from "./_journal-relaxed.ts";
import { commitSnapshot, discardSnapshot, type SnapshotFile, writeSnapshot } from "./_journal-snapshot.ts";
import { type FsSyncMode, journalOpenFlags, syncDirectory, type WriteThroughFlags } from "./_journal-sync.ts";

/** The subset of a `node:fs/promises` FileHandle the journal uses. */
export interface FileHandleLike extends WritableHandle {
  truncate(length: number): Promise<void>;
  /** `fdatasync`: the data and the size, enough to read it back. */
  datasync(): Promise<void>;
  /** `fsync`: data and all metadata (used for compaction files and directories). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The subset of `node:fs/promises` the fs session store uses. */
export interface JournalFileSystem extends FileSystemLike {
  /** `flags` as `node:fs` takes them: a string (`"r+"`), or numbers or'ed together (`journalOpenFlags`). */
  open(path: string, flags: string | number): Promise<FileHandleLike>;
}

export interface JournalFile {
  /** Bytes of journal data, counting every completed write (not the zero-filled space after them). */
  readonly size: number;
  /**
   * Size right after the last compaction, or at open the size one would leave (the live data): the journal compacts
   * again only once it has doubled.
   */
  readonly baseSize: number;
  readonly compacting: boolean;
  /**
   * `fdatasync`/`fsync` calls made so far (journal, compaction file, directory); a written-through batch counts as
   * one.
   */
  readonly syncs: number;
  /** Throws when appends would be refused (write failure, closed): check before changing memory. */
  assertWritable(): void;
  /** Queues `line` (ending in a newline); resolves once its batch is written. */
  append(line: string): Promise<void>;
  /**
   * Queues a line of `key` nobody waits for, written with the next batch or within a second; a failure stops the
   * journal. Only the latest relaxed line of a key is written (in place of earlier ones not yet on disk).
   */
  appendRelaxed(key: string, line: string): void;
  /**
   * Replaces the file with the lines `capture` returns. `capture` runs synchronously when the job starts and must
   * reflect every line appended before that moment; it may return a lazy iterable over a frozen copy.
   */
  rewrite(capture: () => Iterable<string>): Promise<void>;
  /** Writes everything queued, then closes the file. Later appends reject. */
  close(): Promise<void>;
}

/**
 * Zero-filled space added at a time in sync mode `always`: filling and fsyncing 4 MiB took 8–10 ms here, once
 * every ~6,000 durable tasks.
 */
export const PREALLOCATE_BYTES = 4 * 1024 * 1024;
/** The zeros go out this much per write. */
const ZERO_CHUNK_BYTES = 256 * 1024;

interface Rewrite {
  settled: Batch;
  /** Lines written to the old file since the capture: the new file needs them too. */
  tail: string[];
  /** Set once the snapshot is written: the file, or null if writing it failed. */
  snapshot: SnapshotFile | null | undefined;
  written: Promise<void>;
}
/**
 * Opens `path` for appending after cutting it to `validBytes` (a torn last line a crash left behind).
 * @example
 * const journal = await openJournalFile({ fs, path: "./.data/sessions/journal.ndjson", fileBytes: 0, validBytes: 0 });
 * await journal.append('{"k":"a","v":1}\n');
 */
export async function openJournalFile(options: {
  fs: JournalFileSystem;
  path: string;
  /** Directory of `path`, synced when the file is created or replaced. */
  dir: string;
  sync: FsSyncMode;
  /** Whether the file did not exist before this open. */
  created: boolean;
  /** Bytes in the file now. */
  fileBytes: number;
  /** Bytes worth keeping; the rest is cut off before the first append. */
  validBytes: number;
  /** Whether the file has commit lines; a new file or one of the older format gets one before anything else. */
  committed: boolean;
  /** Zero-filled space added at a time in sync mode `always` (default `PREALLOCATE_BYTES`). */
  preallocateBytes?: number;
  /**
   * Sync mode `always` only: open the journal with these flags' `O_DSYNC`, so each batch's `write` returns once it
   * is on disk and needs no `fdatasync` of its own (`_journal-sync.ts`). Default: write, then `fdatasync`.
   */
  writeThrough?: WriteThroughFlags | null;
  /**
   * The replayed live data's size as journal lines (default: the valid bytes). Counting from the file's size
   * instead, a journal opened mostly stale (every restart rewrites each agent's record) would have to double
   * again before it compacted, and each restart would replay more of it.
   */
  liveBytes?: number;
}): Promise<JournalFile> {
  const { fs, path, dir, sync } = options;
  const preallocateBytes = options.preallocateBytes ?? PREALLOCATE_BYTES;
  const encoder = new TextEncoder();
  const preallocate = sync === "always";
  const through = sync === "always" ? (options.writeThrough ?? null) : null;
  let syncs = 0;
  // Writes go to explicit positions (`size`): in append mode the OS would ignore them.
  let handle = await fs.open(path, journalOpenFlags(options.created, through));
  let size = options.validBytes;
  if (size < options.fileBytes) {
    await handle.truncate(size);
    if (sync !== "off") {
      await handle.datasync();
      syncs++;
    }
  }
  if (!options.committed) {
    // Synced before any batch: a torn first batch must find a commit line before it (see _journal-lines.ts).
    const data = encoder.encode(commitLine(0));
    await writeAll(handle, data, size);
    size += data.length;
    if (sync !== "off") {
      await handle.datasync();
      syncs++;
    }
  }
  if (options.created && sync !== "off") {
    await syncDirectory(fs, dir); // the new journal's directory entry
    syncs++;
  }
  /** End of the zero-filled space (sync `always`); the file's length. */
  let allocated = size;
  let baseSize = Math.min(size, options.liveBytes ?? size);
  let batch: Batch | null = null;
  let rewriteJob: { capture: () => Iterable<string>; settled: Batch } | null = null;
  let rewriting: Rewrite | null = null;
  let pumping: Promise<void> | null = null;
  let failure: StoreError | null = null;
  let closed = false;
  let compacting = false;
  /** Sync-window mode: written lines not yet synced, and the pending timer that will sync them. */
  let unsynced = false;
  let syncTimer: ReturnType<typeof setTimeout> | null = null;
  let syncDue = false;
  /** Relaxed lines not yet in a batch. */
  const relaxed = relaxedLines(() => flushRelaxed());
  const tempTag = Math.random().toString(36).slice(2, 10);
  const batchEncoder = createBatchEncoder();
  let zeros: Uint8Array | null = null;

  const fail = (cause: unknown): StoreError => {
    failure ??= new StoreError(
      "journal_write_failed",
      `could not write the session journal ${path}; the store stopped taking writes so memory and disk stay ` +
        "the same. Fix the disk (space, permissions) and restart the gateway",
      { cause },
    );
    return failure;
  };

  /** Fills at least `needed` more bytes after the data with zeros, durably (the file's size changes). */
  const extend = async (needed: number): Promise<void> => {
    const bytes = Math.max(preallocateBytes, needed);
    // From one small buffer kept for the journal's life, rather than a new one of the whole size each time.
    zeros ??= new Uint8Array(ZERO_CHUNK_BYTES);
    for (let at = 0; at < bytes; at += zeros.length) {
      await writeAll(handle, zeros.subarray(0, Math.min(zeros.length, bytes - at)), allocated + at);
    }
    await handle.sync();
    syncs++;
    allocated += bytes;
  };

  const writeBatch = async (current: Batch): Promise<void> => {
    try {
      if (failure) throw failure;
      const data = batchEncoder.encode(current.lines, commitLine);
      if (preallocate && size + data.length > allocated) await extend(size + data.length - allocated);
      await writeAll(handle, data, size);
      size += data.length;
      rewriting?.tail.push(...current.lines);
      if (sync === "always") {
        if (through === null) await handle.datasync(); // else the write returned with the data on disk
        syncs++;
      } else if (typeof sync === "object") {
        unsynced = true;
        if (syncTimer === null) {
          syncTimer = setTimeout(() => {
            syncTimer = null;
            syncDue = true;
            schedule();
          }, sync.everyMs);
          // A pending sync must not keep a CLI process alive; `close` syncs what is left.
          (syncTimer as { unref?: () => void }).unref?.();
        }
      }
      current.resolve();
    } catch (error) {
      current.reject(fail(error));
    }
  };

  /** Sync-window mode: syncs what was written since the last sync. Nobody waits; a failure stops the journal. */
  const syncWritten = async (): Promise<void> => {
    if (!unsynced || failure) return;
    unsynced = false;
    try {
      await handle.datasync();
      syncs++;
    } catch (error) {
      fail(error);
    }
  };

  /** Captures the live dataset now and writes it to a temp file in the background; batches go on meanwhile. */
  const startRewrite = (job: { capture: () => Iterable<string>; settled: Batch }): void => {
    const lines = job.capture();
    const rewrite: Rewrite = {
      settled: job.settled,
      tail: [],
      snapshot: undefined,
      written: Promise.resolve(),
    };
    rewrite.written = writeSnapshot(fs, `${path}.${tempTag}.tmp`, lines).then((snapshot) => {
      rewrite.snapshot = snapshot;
      schedule(); // the pump finishes it
    });
    rewriting = rewrite;
  };

  /** With the queue paused: the new file gets the tail, replaces the journal, and the directory is synced. */
  const finishRewrite = async (rewrite: Rewrite): Promise<void> => {
    rewriting = null;
    const snapshot = rewrite.snapshot;
    baseSize = size; // also after a failure, so a broken compaction is not retried on every append
    if (!snapshot || failure) {
      if (snapshot) await discardSnapshot(fs, snapshot.temp, snapshot.out);
      return failure ? rewrite.settled.reject(failure) : rewrite.settled.resolve();
    }
    let newSize: number;
    try {
      newSize = await commitSnapshot(fs, snapshot, rewrite.tail, path);
      syncs++;
    } catch {
      return rewrite.settled.resolve(); // the old journal is still complete and in use
    }
    try {
      // From here the old handle points at a file that is gone: a failure to reopen is a write failure.
      await handle.close().catch(() => {});
      handle = await fs.open(path, journalOpenFlags(false, through));
      size = baseSize = allocated = newSize;
      unsynced = false; // the new file holds everything written so far, and it is synced
      await syncDirectory(fs, dir); // makes the rename durable; until then a power cut brings the old journal back
      syncs++;
      rewrite.settled.resolve();
    } catch (error) {
      rewrite.settled.reject(fail(error));
    }
  };

  const pump = async (): Promise<void> => {
    const rewriteDue = () => (rewriteJob !== null && rewriting === null) || rewriting?.snapshot !== undefined;
    while (batch !== null || syncDue || rewriteDue()) {
      if (rewriteJob !== null && rewriting === null) {
        const job = rewriteJob;
        rewriteJob = null;
        startRewrite(job);
        continue;
      }
      if (rewriting !== null && rewriting.snapshot !== undefined) {
        await finishRewrite(rewriting);
        continue;
      }
      if (batch === null) {
        syncDue = false;
        await syncWritten();
        continue;
      }
      const current = batch;
      batch = null;
      await writeBatch(current);
    }
    pumping = null;
  };
  const schedule = (): void => {
    // Started from a microtask, so every line appended in the current tick joins the first batch.
    pumping ??= Promise.resolve().then(pump);
  };
  /** Moves the relaxed lines into the batch being filled, ahead of whatever comes next (`addRelaxed`). */
  const takeRelaxed = (): void => {
    const held = relaxed.take();
    if (held.size === 0) return;
    batch ??= newBatch();
    addRelaxed(batch, held);
  };
  const flushRelaxed = (): void => {
    takeRelaxed();
    schedule();
  };

  if (preallocate) await extend(0); // the first batches need not wait for it

  return {
    get size() {
      return size;
    },
    get baseSize() {
      return baseSize;
    },
    get compacting() {
      return compacting;
    },
    get syncs() {
      return syncs;
    },
    assertWritable() {
      if (closed) throw new StoreError("store_disposed", `the journal ${path} is closed`);
      if (failure) throw failure;
    },
    append(line) {
      if (closed) return Promise.reject(new StoreError("store_disposed", `the journal ${path} is closed`));
      if (failure) return Promise.reject(failure);
      takeRelaxed();
      batch ??= newBatch();
      batch.lines.push(line);
      schedule();
      return batch.done;
    },
    appendRelaxed(key, line) {
      if (closed || failure) return; // `assertWritable` refused the change before it reached memory
      relaxed.push(key, line);
    },
    rewrite(capture) {
      if (closed) return Promise.reject(new StoreError("store_disposed", `the journal ${path} is closed`));
      if (failure) return Promise.reject(failure);
      if (rewriteJob !== null) return rewriteJob.settled.done;
      if (rewriting !== null) return rewriting.settled.done;
      const job = { capture, settled: newBatch() };
      rewriteJob = job;
      compacting = true;
      const unflag = () => {
        compacting = false;
      };
      job.settled.done.then(unflag, unflag);
      schedule();
      return job.settled.done;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!failure) flushRelaxed();
      relaxed.stop();
      // A compaction still writing its snapshot finishes first (its completion restarts the pump).
      while (pumping !== null || rewriting !== null) await (pumping ?? rewriting?.written);
      if (syncTimer !== null) clearTimeout(syncTimer);
      syncTimer = null;
      await syncWritten();
      // A clean stop leaves only the data; a crash leaves the zeros too, which the next open cuts off.
      if (allocated > size && !failure) await handle.truncate(size).catch(() => {});
      // After a failed reopen the handle is already closed; there is nothing left to lose.
      await handle.close().catch((error: unknown) => {
        if (!failure) throw error;
      });
    },
  };
}
