/**
 * Blob store on the local file system: one file per key (`<dir>/skill/alice/zip@.bin` for `skill:alice:zip`),
 * written atomically (temp file + rename). A put or delete resolves once it is on disk, as the fs session store's
 * writes do, unless `sync` is `"off"`: an attachment's id or a published skill version is acknowledged (and the
 * version recorded in the synced journal) right after its bytes are stored, so those bytes must survive what the
 * record survives. A sync window has nothing to batch here (one file per put), so it syncs each put as `"always"`.
 * A put with a TTL leaves a marker first, and an hourly sweep deletes the blobs whose hour has come (`fs-expiry.ts`).
 * @module
 */
import { StoreError } from "../session-stores/_errors.ts";
import { createFileTree } from "../session-stores/_fs-files.ts";
import { assertFsSyncMode, type FsSyncMode } from "../session-stores/_journal-sync.ts";
import { ttlMilliseconds } from "../session-stores/_values.ts";
import { assertKey } from "../session-stores/types.ts";
import { createBlobExpiry, type ExpiringFileSystem } from "./fs-expiry.ts";
import type { BlobStore } from "./types.ts";

export interface FsBlobStoreOptions {
  /** Directory that holds the blobs (created on first write). */
  dir: string;
  /** File-system API: pass `node:fs/promises`. */
  fs: ExpiringFileSystem;
  /** `AGENT_MESH_FS_SYNC`: anything but `"off"` (default `"always"`) syncs each put and delete before it resolves. */
  sync?: FsSyncMode;
  /** The clock of TTLs and sweeps (epoch ms); tests move it on. Default `Date.now`. */
  now?: () => number;
}

/**
 * @example
 * import * as fs from "node:fs/promises";
 * const blobs = fsBlobStore({ dir: "./.data/blobs", fs });
 */
export function fsBlobStore(options: FsBlobStoreOptions): BlobStore {
  if (!options?.dir) throw new StoreError("missing_option", "fsBlobStore needs `dir`, the blob directory");
  if (!options.fs) throw new StoreError("missing_option", "fsBlobStore needs `fs`: pass `node:fs/promises`");
  const sync = options.sync ?? "always";
  assertFsSyncMode(sync);
  const files = createFileTree({ dir: options.dir, fs: options.fs, extension: ".bin", sync: sync !== "off" });
  const expiry = createBlobExpiry({
    dir: options.dir,
    fs: options.fs,
    sync: sync !== "off",
    now: options.now ?? Date.now,
    remove: (key) => files.remove(key),
  });
  expiry.sweepWhenDue(); // at open: what expired while no process ran
  return {
    name: "fs",
    async put(key, data, putOptions) {
      assertKey(key);
      const ttlMs = ttlMilliseconds(putOptions);
      // The marker before the blob: a crash in between leaves a marker without a blob, not a blob kept for good.
      if (ttlMs !== null) await expiry.mark(key, ttlMs);
      await files.write(key, data);
      expiry.sweepWhenDue();
    },
    async get(key) {
      assertKey(key);
      expiry.sweepWhenDue();
      const bytes = await files.read(key);
      // Node hands back a Buffer; give callers a plain Uint8Array like every other backend.
      return bytes === null ? null : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    async delete(key) {
      assertKey(key);
      await files.remove(key);
    },
    async dispose() {
      // Files are the state; a sweep in flight stops after its current blob (a long one must not hold up an exit).
      await expiry.stop();
    },
  };
}
