/**
 * In-process blob store: a map of byte copies. Lost when the process exits.
 * @module
 */
import { assertKey } from "../session-stores/types.ts";
import type { BlobStore } from "./types.ts";

/**
 * @example
 * const blobs = memoryBlobStore();
 * await blobs.put("skill:alice:zip:1.0.0", bytes);
 */
export function memoryBlobStore(): BlobStore {
  const blobs = new Map<string, Uint8Array>();
  return {
    name: "memory",
    async put(key, data) {
      assertKey(key);
      blobs.set(key, data.slice()); // a copy: the caller may reuse its buffer
    },
    async get(key) {
      assertKey(key);
      return blobs.get(key)?.slice() ?? null;
    },
    async delete(key) {
      assertKey(key);
      blobs.delete(key);
    },
    async dispose() {
      blobs.clear();
    },
  };
}
