/**
 * Blob store on the local file system: one file per key (`<dir>/skill/alice/zip@.bin` for `skill:alice:zip`),
 * written atomically (temp file + rename). A put or delete resolves once it is on disk, as the fs session store's
 * writes do, unless `sync` is `"off"`: an attachment's id or a published skill version is acknowledged (and the
 * version recorded in the synced journal) right after its bytes are stored, so those bytes must survive what the
 * record survives. A sync window has nothing to batch here (one file per put), so it syncs each put as `"always"`.
 * @module
 */
import { StoreError } from "../session-stores/_errors.ts";
import { createFileTree, type SyncingFileSystem } from "../session-stores/_fs-files.ts";
import { assertFsSyncMode, type FsSyncMode } from "../session-stores/_journal-sync.ts";
import { assertKey } from "../session-stores/types.ts";
import type { BlobStore } from "./types.ts";

export interface FsBlobStoreOptions {
  /** Directory that holds the blobs (created on first write). */
  dir: string;
  /** File-system API: pass `node:fs/promises`. */
  fs: SyncingFileSystem;
  /** `AGENT_MESH_FS_SYNC`: anything but `"off"` (default `"always"`) syncs each put and delete before it resolves. */
  sync?: FsSyncMode;
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
  return {
    name: "fs",
    async put(key, data) {
      assertKey(key);
      await files.write(key, data);
    },
    async get(key) {
      assertKey(key);
      const bytes = await files.read(key);
      // Node hands back a Buffer; give callers a plain Uint8Array like every other backend.
      return bytes === null ? null : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    async delete(key) {
      assertKey(key);
      await files.remove(key);
    },
    async dispose() {
      // Files are the state; nothing to close.
    },
  };
}
