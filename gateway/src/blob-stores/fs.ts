/**
 * Blob store on the local file system: one file per key (`<dir>/skill/alice/zip@.bin` for `skill:alice:zip`),
 * written atomically (temp file + rename; not fsynced). Same layout rules as the fs session store.
 * @module
 */
import { StoreError } from "../session-stores/_errors.ts";
import { createFileTree, type FileSystemLike } from "../session-stores/_fs-files.ts";
import { assertKey } from "../session-stores/types.ts";
import type { BlobStore } from "./types.ts";

export interface FsBlobStoreOptions {
  /** Directory that holds the blobs (created on first write). */
  dir: string;
  /** File-system API: pass `node:fs/promises`. */
  fs: FileSystemLike;
}

/**
 * @example
 * import * as fs from "node:fs/promises";
 * const blobs = fsBlobStore({ dir: "./.data/blobs", fs });
 */
export function fsBlobStore(options: FsBlobStoreOptions): BlobStore {
  if (!options?.dir) throw new StoreError("missing_option", "fsBlobStore needs `dir`, the blob directory");
  if (!options.fs) throw new StoreError("missing_option", "fsBlobStore needs `fs`: pass `node:fs/promises`");
  const files = createFileTree({ dir: options.dir, fs: options.fs, extension: ".bin" });
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
