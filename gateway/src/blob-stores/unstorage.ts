/**
 * Blob store over an unstorage driver, for object stores every gateway node can reach: S3 and S3-compatible
 * services (AWS, R2, MinIO…) through `unstorage/drivers/s3`. The driver is used directly (raw bytes in and out),
 * not through `createStorage`, so keys and bytes reach the service untouched: `att:abc:x` becomes the object
 * `att/abc/x` in the bucket.
 * @module
 */
import type { Driver } from "unstorage";
import { assertKey } from "../session-stores/types.ts";
import type { BlobStore } from "./types.ts";

export interface UnstorageBlobStoreOptions {
  /** A driver with raw item support (`getItemRaw` / `setItemRaw`), e.g. `s3Driver({ … })`. */
  driver: Driver;
  /** Shown in `/health` and logs, e.g. `s3`. Default: the driver's name. */
  name?: string;
}

/**
 * @example
 * import s3Driver from "unstorage/drivers/s3";
 * const blobs = unstorageBlobStore({ driver: s3Driver({ endpoint, region, bucket, accessKeyId, secretAccessKey }) });
 */
export function unstorageBlobStore(options: UnstorageBlobStoreOptions): BlobStore {
  const { driver } = options;
  if (!driver.getItemRaw || !driver.setItemRaw) {
    throw new Error(
      `[gateway] [blobs] the unstorage driver ${driver.name ?? "given"} cannot store raw bytes`,
    );
  }
  return {
    name: options.name ?? driver.name ?? "unstorage",
    async put(key, data, _options) {
      assertKey(key);
      // The TTL is ignored: S3 has no per-object expiry through this API (the s3 driver takes no `ttl`), and a timer
      // here would die with the process. Expiring blobs (attachments, the objects under `attachment/`) are cleared
      // by the bucket's lifecycle rule on that prefix: see docs/storage.md.
      await driver.setItemRaw!(key, data, {});
    },
    async get(key) {
      assertKey(key);
      const raw: unknown = await driver.getItemRaw!(key, {});
      if (raw === null || raw === undefined) return null;
      if (raw instanceof Uint8Array) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
      if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
      throw new Error(`[gateway] [blobs] ${driver.name} returned ${typeof raw} for ${key}, not bytes`);
    },
    async delete(key) {
      assertKey(key);
      await driver.removeItem?.(key, {});
    },
    async dispose() {
      await driver.dispose?.();
    },
  };
}
