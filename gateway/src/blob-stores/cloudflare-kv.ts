/**
 * Blob store on a Cloudflare Workers KV namespace binding. KV is eventually consistent across locations (a write
 * can take up to about a minute to be visible elsewhere) and caps a value at 25 MiB. A put's TTL is KV's own expiry.
 * @module
 */
import { StoreError } from "../session-stores/_errors.ts";
import { ttlMilliseconds } from "../session-stores/_values.ts";
import { assertKey } from "../session-stores/types.ts";
import type { BlobStore } from "./types.ts";

/** The part of a `KVNamespace` binding this store uses. */
export interface KvNamespaceLike {
  get(key: string, type: "arrayBuffer"): Promise<ArrayBuffer | null>;
  put(
    key: string,
    value: ArrayBuffer | ArrayBufferView,
    options?: { expirationTtl?: number },
  ): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

export interface CloudflareKvBlobStoreOptions {
  /** The KV binding (e.g. `env.BLOBS`). */
  namespace: KvNamespaceLike;
  /** Key segment prepended to every key, so one namespace can serve several uses. Default none. */
  prefix?: string;
}

/**
 * @example
 * const blobs = cloudflareKvBlobStore({ namespace: env.BLOBS });
 */
export function cloudflareKvBlobStore(options: CloudflareKvBlobStoreOptions): BlobStore {
  if (!options?.namespace) {
    throw new StoreError("missing_option", "cloudflareKvBlobStore needs `namespace`, a KV binding");
  }
  const { namespace } = options;
  const at = (key: string): string => {
    assertKey(key);
    return options.prefix ? `${options.prefix}:${key}` : key;
  };
  return {
    name: "cloudflare-kv",
    async put(key, data, options) {
      const ttlMs = ttlMilliseconds(options);
      // KV refuses an `expirationTtl` under 60 s (and takes whole seconds): a shorter TTL keeps the blob a minute.
      const expiry = ttlMs === null ? undefined : { expirationTtl: Math.max(60, Math.ceil(ttlMs / 1000)) };
      await namespace.put(at(key), data, expiry);
    },
    async get(key) {
      const buffer = await namespace.get(at(key), "arrayBuffer");
      return buffer === null ? null : new Uint8Array(buffer);
    },
    async delete(key) {
      await namespace.delete(at(key));
    },
    async dispose() {
      // Bindings hold no connection.
    },
  };
}
