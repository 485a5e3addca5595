/**
 * The append-only journal file of the fs session store, with group commit and compaction.
 *
 * - **Group commit**: `append(line)` queues the line; every line queued while the previous write (and sync) was in
 *   flight (or in the same tick, when idle) goes out in ONE `write` on a file handle kept open in append mode,
 *   followed, in sync mode `always`, by ONE `fdatasync`. The promise of a line settles when its batch is on disk
 *   (`always`) or in the OS (a sync window, `off`; see `_journal-sync.ts`). Writes and syncs never overlap.
 * - **Compaction** (`rewrite`) is a job in the same queue: it captures the live dataset synchronously when its turn
 *   comes, writes it to a temp file in chunks (the event loop keeps running, writers keep appending to memory and
 *   to the queue), fsyncs it, renames it over the journal, fsyncs the directory and reopens the handle; then the
 *   queue goes on with the lines appended meanwhile. Lines still queued when the capture was taken are already in
 *   the snapshot, so they are not written again: their promises settle once the directory is synced. A crash at
 *   any step leaves either the complete old journal or the complete new one (tests/session-stores/fs-crash.test.ts).
 * - **Fail-stop**: when a write or sync fails (disk full, I/O error) every later `append` rejects with
 *   `journal_write_failed` until the store is reopened. A failed fsync is never retried (see docs/storage.md).
 * @module
 */
import { StoreError } from "./_errors.ts";
import type { FileSystemLike } from "./_fs-files.ts";
import { type Batch, newBatch, writeAll } from "./_journal-batch.ts";
import { type FsSyncMode, syncDirectory } from "./_journal-sync.ts";

/** The subset of a `node:fs/promises` FileHandle the journal uses. */
export interface FileHandleLike {
  write(data: Uint8Array, offset: number, length: number, position: null): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  /** `fdatasync`: the data and the size, enough to read it back. */
  datasync(): Promise<void>;
  /** `fsync`: data and all metadata (used for compaction files and directories). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The subset of `node:fs/promises` the fs session store uses. */
export interface JournalFileSystem extends FileSystemLike {
  open(path: string, flags: string): Promise<FileHandleLike>;
}

export interface JournalFile {
  /** Bytes in the file, counting every completed write. */
  readonly size: number;
  /** Size right after the last compaction (or at open): the journal compacts again only once it has doubled. */
  readonly baseSize: number;
  readonly compacting: boolean;
  /** `fdatasync`/`fsync` calls made so far (journal, compaction file, directory). */
  readonly syncs: number;
  /** Throws when appends would be refused (write failure, closed): check before changing memory. */
  assertWritable(): void;
  /** Queues `line` (ending in a newline); resolves once its batch is written. */
  append(line: string): Promise<void>;
  /**
   * Replaces the file with the lines `capture` returns. `capture` runs synchronously when the job starts and must
   * reflect every line appended before that moment; it may return a lazy iterable over a frozen copy.
   */
  rewrite(capture: () => Iterable<string>): Promise<void>;
  /** Writes everything queued, then closes the file. Later appends reject. */
  close(): Promise<void>;
}

/** Snapshot text is written in pieces of about this many characters, so no single string gets huge. */
const REWRITE_CHUNK_CHARS = 1 << 20;
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
}): Promise<JournalFile> {
  const { fs, path, dir, sync } = options;
  const encoder = new TextEncoder();
  let syncs = 0;
  let handle = await fs.open(path, "a");
  if (options.validBytes < options.fileBytes) {
    await handle.truncate(options.validBytes);
    if (sync !== "off") {
      await handle.datasync();
      syncs++;
    }
  }
  if (options.created && sync !== "off") {
    await syncDirectory(fs, dir); // the new journal's directory entry
    syncs++;
  }
  let size = options.validBytes;
  let baseSize = size;
  let batch: Batch | null = null;
  let rewriteJob: { capture: () => Iterable<string>; settled: Batch } | null = null;
  let pumping: Promise<void> | null = null;
  let failure: StoreError | null = null;
  let closed = false;
  let compacting = false;
  /** Sync-window mode: written lines not yet synced, and the pending timer that will sync them. */
  let unsynced = false;
  let syncTimer: ReturnType<typeof setTimeout> | null = null;
  let syncDue = false;
  const tempTag = Math.random().toString(36).slice(2, 10);

  const fail = (cause: unknown): StoreError => {
    failure ??= new StoreError(
      "journal_write_failed",
      `could not write the session journal ${path}; the store stopped taking writes so memory and disk stay ` +
        "the same. Fix the disk (space, permissions) and restart the gateway",
      { cause },
    );
    return failure;
  };

  const writeBatch = async (current: Batch): Promise<void> => {
    try {
      if (failure) throw failure;
      const data = encoder.encode(current.lines.join(""));
      await writeAll(handle, data);
      size += data.length;
      if (sync === "always") {
        await handle.datasync();
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

  /**
   * Writes the snapshot to a temp file, fsyncs it, renames it over the journal and fsyncs the directory. Returns
   * false if nothing changed (the old journal is still complete and in use).
   */
  const replaceFile = async (lines: Iterable<string>): Promise<boolean> => {
    const temp = `${path}.${tempTag}.tmp`;
    let written = 0;
    try {
      const out = await fs.open(temp, "w");
      try {
        let chunk = "";
        for (const line of lines) {
          chunk += line;
          if (chunk.length < REWRITE_CHUNK_CHARS) continue;
          const data = encoder.encode(chunk);
          await writeAll(out, data);
          written += data.length;
          chunk = "";
        }
        const data = encoder.encode(chunk);
        await writeAll(out, data);
        written += data.length;
        // Before the rename: otherwise a power cut could leave the new name pointing at an empty file.
        await out.sync();
        syncs++;
      } finally {
        await out.close();
      }
      await fs.rename(temp, path);
    } catch {
      await fs.unlink(temp).catch(() => {}); // best effort: the old journal is still complete and in use
      return false;
    }
    // From here the old handle points at a file that is gone: a failure to reopen is a write failure.
    await handle.close().catch(() => {});
    handle = await fs.open(path, "a");
    size = written;
    unsynced = false; // the snapshot holds everything written so far, and it is synced
    await syncDirectory(fs, dir); // makes the rename durable; until then a power cut brings the old journal back
    syncs++;
    return true;
  };

  const runRewrite = async (job: { capture: () => Iterable<string>; settled: Batch }): Promise<void> => {
    // Taken in the same synchronous step as the capture, so these lines are exactly the ones the snapshot covers.
    const covered = batch;
    batch = null;
    const lines = job.capture();
    try {
      if (failure) throw failure;
      if (await replaceFile(lines)) {
        covered?.resolve();
      } else if (covered) {
        await writeBatch(covered); // compaction failed: the queued lines go to the old journal as usual
      }
      baseSize = size; // also after a failure, so a broken compaction is not retried on every append
      job.settled.resolve();
    } catch (error) {
      const stopped = fail(error);
      covered?.reject(stopped);
      job.settled.reject(stopped);
    }
  };

  const pump = async (): Promise<void> => {
    while (batch !== null || rewriteJob !== null || syncDue) {
      if (rewriteJob !== null) {
        const job = rewriteJob;
        rewriteJob = null;
        await runRewrite(job);
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
      batch ??= newBatch();
      batch.lines.push(line);
      schedule();
      return batch.done;
    },
    rewrite(capture) {
      if (closed) return Promise.reject(new StoreError("store_disposed", `the journal ${path} is closed`));
      if (failure) return Promise.reject(failure);
      if (rewriteJob !== null) return rewriteJob.settled.done;
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
      while (pumping !== null) await pumping;
      if (syncTimer !== null) clearTimeout(syncTimer);
      syncTimer = null;
      await syncWritten();
      // After a failed reopen the handle is already closed; there is nothing left to lose.
      await handle.close().catch((error: unknown) => {
        if (!failure) throw error;
      });
    },
  };
}
