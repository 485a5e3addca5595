/**
 * The new file of a journal compaction, in two steps so that writers are not held up while it is written:
 *
 * 1. `writeSnapshot` writes the captured live dataset to a temp file in chunks, while the journal keeps taking
 *    (and syncing) writes into the old file.
 * 2. `commitSnapshot`, run while the journal's write queue is paused, appends the lines the old file took since the
 *    capture and a commit line, fsyncs the temp file and renames it over the journal. The caller then fsyncs the
 *    directory.
 *
 * Replaying "snapshot, then every line written since the capture" gives the latest state of every key, because
 * each journal line is the whole new state of one key (a line from just before the capture, replayed once more,
 * is overwritten by any later line of its key or equals the snapshot's state).
 * @module
 */
import { writeAll } from "./_journal-batch.ts";
import type { FileHandleLike, JournalFileSystem } from "./_journal-file.ts";
import { commitLine } from "./_journal-lines.ts";

/** Snapshot text is written in pieces of about this many characters, so no single string gets huge. */
const CHUNK_CHARS = 1 << 20;

export interface SnapshotFile {
  temp: string;
  out: FileHandleLike;
  /** Bytes written so far. */
  written: number;
}

/** Writes `lines` to `temp`; null when that failed (the temp file is removed, the old journal stays in use). */
export async function writeSnapshot(
  fs: JournalFileSystem,
  temp: string,
  lines: Iterable<string>,
): Promise<SnapshotFile | null> {
  const encoder = new TextEncoder();
  let out: FileHandleLike | undefined;
  try {
    out = await fs.open(temp, "w");
    let written = 0;
    let chunk = "";
    for (const line of lines) {
      chunk += line;
      if (chunk.length < CHUNK_CHARS) continue;
      const data = encoder.encode(chunk);
      await writeAll(out, data);
      written += data.length;
      chunk = "";
    }
    const data = encoder.encode(chunk);
    await writeAll(out, data);
    return { temp, out, written: written + data.length };
  } catch {
    await discardSnapshot(fs, temp, out);
    return null;
  }
}

/**
 * Appends `tail` (the lines written to the old journal since the capture), fsyncs, closes and renames the file over
 * `path`. Returns the new file's size. On failure the temp file is removed and the error thrown: the old journal
 * is still complete and in use.
 */
export async function commitSnapshot(
  fs: JournalFileSystem,
  snapshot: SnapshotFile,
  tail: string[],
  path: string,
): Promise<number> {
  try {
    // The commit line makes the whole file count at replay (the snapshot is synced before it replaces the journal).
    const data = new TextEncoder().encode(tail.join("") + commitLine(0));
    await writeAll(snapshot.out, data);
    // Before the rename: otherwise a power cut could leave the new name pointing at an empty file.
    await snapshot.out.sync();
    await snapshot.out.close();
    await fs.rename(snapshot.temp, path);
    return snapshot.written + data.length;
  } catch (error) {
    await discardSnapshot(fs, snapshot.temp, snapshot.out);
    throw error;
  }
}

/** Best effort: a leftover temp file is also removed at the next start. */
export async function discardSnapshot(
  fs: JournalFileSystem,
  temp: string,
  out: FileHandleLike | undefined,
): Promise<void> {
  await out?.close().catch(() => {});
  await fs.unlink(temp).catch(() => {});
}
