/**
 * In-process blob store: a map of byte copies, each beside its expiry. Lost when the process exits.
 * @module
 */
import { expiryFor, isLive } from "../session-stores/_values.ts";
import { assertKey } from "../session-stores/types.ts";
import type { BlobStore } from "./types.ts";

/** How often (ms) a put may sweep expired blobs, as the memory session store does. */
const SWEEP_INTERVAL_MS = 60_000;

interface MemoryBlob {
  bytes: Uint8Array;
  /** Epoch ms after which the blob is gone; null: kept until deleted. */
  expiresAt: number | null;
}

/**
 * @example
 * const blobs = memoryBlobStore();
 * await blobs.put("skill:alice:zip:1.0.0", bytes);
 */
export function memoryBlobStore(): BlobStore {
  const blobs = new Map<string, MemoryBlob>();
  let nextSweep = Date.now() + SWEEP_INTERVAL_MS;
  /**
   * Blobs nobody reads again (an attachment its caller never fetched) would stay until the process ends: a put
   * drops the expired ones, at most once a minute. A scan of every blob, but blobs are few and large.
   */
  const sweepWhenDue = (now: number): void => {
    if (now < nextSweep) return;
    nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [key, blob] of blobs) if (!isLive(blob.expiresAt, now)) blobs.delete(key);
  };
  return {
    name: "memory",
    async put(key, data, options) {
      assertKey(key);
      const now = Date.now();
      // A copy: the caller may reuse its buffer.
      blobs.set(key, { bytes: data.slice(), expiresAt: expiryFor(options, now) });
      sweepWhenDue(now);
    },
    async get(key) {
      assertKey(key);
      const blob = blobs.get(key);
      if (blob === undefined) return null;
      if (isLive(blob.expiresAt)) return blob.bytes.slice();
      blobs.delete(key);
      return null;
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
