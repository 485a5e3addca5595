/**
 * Blob store on top of any session store (used with redis and upstash): each blob is one base64 string under
 * `<prefix>:<key>`. Suited to the small objects the gateway keeps (attachments, skill archives); Redis caps a value
 * at 512 MB and Upstash at its plan's request size. A put's TTL is the key's TTL.
 * @module
 */
import { assertKey, type SessionStore } from "../session-stores/types.ts";
import type { BlobStore } from "./types.ts";

export interface KvBlobStoreOptions {
  /** The session store that holds the blobs. Not disposed by this blob store: its owner disposes it. */
  store: SessionStore;
  /** Key segment that keeps blobs apart from session data. Default `blob`. */
  prefix?: string;
}

/**
 * @example
 * const blobs = kvBlobStore({ store: redisSessionStore({ url }) });
 */
export function kvBlobStore(options: KvBlobStoreOptions): BlobStore {
  const { store } = options;
  const prefix = options.prefix ?? "blob";
  const at = (key: string): string => {
    assertKey(key);
    return `${prefix}:${key}`;
  };
  return {
    name: `kv:${store.name}`,
    async put(key, data, options) {
      // The session store's own expiry (on redis and upstash, Redis `PX`): an expired blob is gone for every node.
      await store.set(at(key), toBase64(data), options?.ttl === undefined ? undefined : { ttl: options.ttl });
    },
    async get(key) {
      const encoded = await store.get<string>(at(key));
      return encoded === null ? null : fromBase64(encoded);
    },
    async delete(key) {
      await store.delete(at(key));
    },
    async dispose() {
      // The underlying store belongs to the caller.
    },
  };
}

const CHUNK = 0x8000;

function toBase64(data: Uint8Array): string {
  let binary = "";
  // Chunked: String.fromCharCode with a huge argument list overflows the stack.
  for (let i = 0; i < data.length; i += CHUNK) binary += String.fromCharCode(...data.subarray(i, i + CHUNK));
  return btoa(binary);
}

function fromBase64(encoded: string): Uint8Array {
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
