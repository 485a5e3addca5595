/**
 * Expiry of fs blobs put with a TTL (attachments). A file system keeps no expiry, so a put with a TTL first leaves
 * an empty marker file `<dir>/.expiring/<hour>/<key>`, `<hour>` being the hour the blob expires in (epoch ms ÷
 * 3,600,000, rounded up) and the key's `:` written as `+` (Windows takes no `:` in a file name; `+` is no key
 * character, so the name reads back as exactly one key). A sweep lists the hour folders that have begun, deletes
 * each blob a marker names, then the marker, then the emptied folder. It runs when the store is opened and then at
 * most once an hour, started by a put or a get: no timer, so nothing holds a process open and no runtime's timer
 * API is needed. The cost: a blob outlives its TTL by up to an hour, plus the time until the next put or get.
 *
 * Durability follows the blob's: with sync on, the marker's folder is synced before the put goes on to write the
 * blob, and a blob's removal is synced before its marker goes. A crash can leave a marker without its blob
 * (harmless: the sweep finds nothing to delete), never a blob without its marker, which would be kept for good.
 *
 * A marker belongs to the key, not to one put: a blob put again under a key that has one (before its hour) still
 * goes at that hour. The gateway never does that with a longer-lived blob: attachments are the only blobs with a
 * TTL, and all get the same one.
 * @module
 */
import {
  type DirectoryEntryLike,
  isNotFound,
  type SyncingFileSystem,
  syncCreatedDirectories,
} from "../session-stores/_fs-files.ts";
import { syncDirectory } from "../session-stores/_journal-sync.ts";
import { assertKey } from "../session-stores/types.ts";

const HOUR_MS = 3_600_000;

/** The file system of an fs blob store: `node:fs/promises`. */
export interface ExpiringFileSystem extends SyncingFileSystem {
  /** Removes an emptied hour folder; without it (a stand-in file system) the empty folders stay. */
  rmdir?(path: string): Promise<void>;
}

export interface BlobExpiryOptions {
  /** The blob store's folder; markers go under `<dir>/.expiring`. */
  dir: string;
  fs: ExpiringFileSystem;
  /** Sync markers as the blobs are synced. */
  sync: boolean;
  now: () => number;
  /** Deletes a blob (the store's own removal, synced as its deletes are). */
  remove(key: string): Promise<void>;
}

export interface BlobExpiry {
  /** Leaves the marker of a blob that may go in `ttlMs`; resolves once it is as durable as the blob will be. */
  mark(key: string, ttlMs: number): Promise<void>;
  /** Starts a sweep unless one ran within the hour or is running. */
  sweepWhenDue(): void;
  /** Starts no more sweeps; a running one stops after the blob it is on. Resolves once it has. */
  stop(): Promise<void>;
}

/**
 * @example
 * const expiry = createBlobExpiry({ dir, fs, sync: true, now: Date.now, remove: (key) => files.remove(key) });
 * await expiry.mark("attachment:r1:ag_1:ab12", 604_800_000);
 */
export function createBlobExpiry(options: BlobExpiryOptions): BlobExpiry {
  const { fs, sync, now, remove } = options;
  const root = `${options.dir.replace(/[\\/]+$/, "") || "/"}/.expiring`;
  /** Hour folders made (and, synced, made durable) by this process. */
  const folders = new Map<number, Promise<void>>();
  let nextSweep = 0;
  let sweeping: Promise<void> | null = null;
  let stopped = false;

  const makeFolder = async (folder: string): Promise<void> => {
    const firstCreated = await fs.mkdir(folder, { recursive: true });
    if (!sync) return;
    // The entries of the hour folder, `.expiring` and the blob folder, made now or by a run that crashed before
    // syncing them; then what `mkdir -p` made above (a new data directory), as the blob file tree does.
    await syncCreatedDirectories(fs, folder, options.dir);
    if (typeof firstCreated === "string") await syncCreatedDirectories(fs, options.dir, firstCreated);
  };
  const folderReady = (hour: number): Promise<void> => {
    let ready = folders.get(hour);
    if (ready === undefined) {
      ready = makeFolder(`${root}/${hour}`);
      folders.set(hour, ready);
      ready.catch(() => folders.delete(hour));
    }
    return ready;
  };
  const writeMarker = async (hour: number, key: string): Promise<void> => {
    await folderReady(hour);
    await fs.writeFile(`${root}/${hour}/${key.replaceAll(":", "+")}`, new Uint8Array(0));
    if (sync) await syncDirectory(fs, `${root}/${hour}`);
  };

  const sweep = async (): Promise<void> => {
    const hourNow = now() / HOUR_MS;
    for (const entry of await listOrNone(fs, root)) {
      if (!entry.isDirectory() || !/^\d+$/.test(entry.name) || Number(entry.name) > hourNow) continue;
      const folder = `${root}/${entry.name}`;
      folders.delete(Number(entry.name));
      for (const marker of await listOrNone(fs, folder)) {
        const key = marker.isDirectory() ? null : keyOfMarker(marker.name);
        if (key === null) continue; // not a marker: left alone (so is its folder)
        if (stopped) return; // a store being disposed: the next process's sweep goes on from here
        await remove(key);
        await fs.unlink(`${folder}/${marker.name}`).catch(ignoreNotFound);
      }
      // Fails while the folder holds something else, or a marker written meanwhile: the next sweep comes back.
      await fs.rmdir?.(folder).catch(() => {});
    }
  };

  return {
    async mark(key, ttlMs) {
      const hour = Math.ceil((now() + ttlMs) / HOUR_MS);
      try {
        await writeMarker(hour, key);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        // A sweep removed the folder after it was made here (a TTL of seconds, at the turn of the hour): again.
        folders.delete(hour);
        await writeMarker(hour, key);
      }
    },
    sweepWhenDue() {
      const at = now();
      if (stopped || sweeping !== null || at < nextSweep) return;
      nextSweep = at + HOUR_MS;
      sweeping = sweep()
        .catch((error) => console.warn(`[gateway] [blobs] sweeping expired blobs failed: ${error}`))
        .finally(() => {
          sweeping = null;
        });
    },
    async stop() {
      stopped = true;
      await sweeping;
    },
  };
}

/** The key a marker's file name names, or null when it names none (the store's key check: nothing outside `dir`). */
function keyOfMarker(name: string): string | null {
  const key = name.replaceAll("+", ":");
  try {
    assertKey(key);
    return key;
  } catch {
    return null;
  }
}

async function listOrNone(fs: ExpiringFileSystem, folder: string): Promise<DirectoryEntryLike[]> {
  try {
    return await fs.readdir(folder, { withFileTypes: true });
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}
