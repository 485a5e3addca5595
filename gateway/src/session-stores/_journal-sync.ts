/**
 * When the fs session store's journal reaches the disk (`fsync`), and the one setting that chooses it.
 *
 * - `"always"` (default): a write is acknowledged only after `fdatasync` of the journal. Group commit makes this
 *   cheap: every line appended while a write+sync is in flight shares the next one, so the number of syncs per
 *   second is bounded by the disk's sync latency, not by the number of writes.
 * - a number of milliseconds: a write is acknowledged once it is in the OS; the journal is synced at most that long
 *   after it. A power cut or kernel crash can lose up to that window of acknowledged writes (Redis's
 *   `appendfsync everysec`). A process crash loses nothing.
 * - `"off"`: never synced by the store; the OS writes back when it likes (Linux: about 30 s).
 *
 * In `"always"` a batch reaches the disk one of two ways: a `write` and then an `fdatasync`, or, given the platform's
 * `O_DSYNC` (`WriteThroughFlags`), one `write` to a journal opened with it, which returns once the data is on disk
 * (the same guarantee as `fdatasync`, for the bytes written). The second is one trip to the thread pool per batch
 * instead of two, and the event loop need not be free between them to start the sync.
 *
 * Compaction syncs the new file and the directory in every mode: it replaces the whole dataset, not the last writes.
 * @module
 */
import { StoreError } from "./_errors.ts";

export type FsSyncMode = "always" | "off" | { everyMs: number };

/** The `node:fs` open flags a write-through journal is opened with: pass `fs.constants` where it has `O_DSYNC`. */
export interface WriteThroughFlags {
  O_RDWR: number;
  O_CREAT: number;
  O_TRUNC: number;
  O_DSYNC: number;
}

/** Open flags for the journal: read-write, created empty (`create`), and write-through when `through` is given. */
export function journalOpenFlags(create: boolean, through: WriteThroughFlags | null): string | number {
  if (through === null) return create ? "w+" : "r+";
  return through.O_RDWR | through.O_DSYNC | (create ? through.O_CREAT | through.O_TRUNC : 0);
}

/** The largest accepted window: beyond a minute, "off" says more honestly what happens. */
const MAX_SYNC_WINDOW_MS = 60_000;

/**
 * Parses `AGENT_MESH_FS_SYNC`: `always`, `off`, or a whole number of milliseconds (1–60000). Empty means `always`.
 * @example
 * parseFsSyncMode("always"); // "always"
 * parseFsSyncMode("100"); // { everyMs: 100 }
 */
export function parseFsSyncMode(text: string | undefined): FsSyncMode {
  const value = (text ?? "").trim().toLowerCase();
  if (value === "" || value === "always") return "always";
  if (value === "off") return "off";
  if (/^\d+$/.test(value)) {
    const everyMs = Number(value);
    if (everyMs >= 1 && everyMs <= MAX_SYNC_WINDOW_MS) return { everyMs };
  }
  throw new StoreError(
    "invalid_fs_sync",
    `AGENT_MESH_FS_SYNC=${JSON.stringify(text)} is not a sync mode; use "always" (acknowledge after fsync, the ` +
      `default), a window in milliseconds from 1 to ${MAX_SYNC_WINDOW_MS} (sync at most that long after an ` +
      `acknowledged write), or "off"`,
  );
}

/** Checks a mode passed in code (the env parser already produces valid ones). */
export function assertFsSyncMode(mode: FsSyncMode): void {
  if (mode === "always" || mode === "off") return;
  const everyMs = (mode as { everyMs?: unknown } | null)?.everyMs;
  if (
    typeof everyMs === "number" &&
    Number.isInteger(everyMs) &&
    everyMs >= 1 &&
    everyMs <= MAX_SYNC_WINDOW_MS
  )
    return;
  throw new StoreError(
    "invalid_fs_sync",
    `fsSessionStore \`sync\` must be "always", "off" or { everyMs: 1..${MAX_SYNC_WINDOW_MS} }`,
  );
}

/** The part of a file handle that makes its contents durable. */
export interface SyncableHandle {
  /** `fsync`: data and metadata. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Makes the directory entries of `dir` durable (a created or renamed file survives a power cut only once its
 * directory is synced, on Linux). Windows cannot open a directory (EISDIR) and journals NTFS metadata itself,
 * so that error alone is ignored.
 */
export async function syncDirectory(
  fs: { open(path: string, flags: string): Promise<SyncableHandle> },
  dir: string,
): Promise<void> {
  let handle: SyncableHandle;
  try {
    handle = await fs.open(dir, "r");
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === "EISDIR") return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
