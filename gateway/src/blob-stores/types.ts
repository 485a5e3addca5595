/**
 * Binary objects (attachments, skill archives): written once, read by key. One file per backend.
 * Keys follow the same rules as session-store keys.
 * @module
 */

/** Options of `put`. */
export interface BlobPutOptions {
  /**
   * Seconds (as `SetOptions.ttl` of the session stores): the blob may be dropped once they have passed. Without it
   * the blob is kept until deleted. How soon it goes is the backend's: memory and kv answer null right after, Workers
   * KV after 60 s at least, fs at the next hourly sweep after it, and S3 when the bucket's lifecycle rule says.
   */
  ttl?: number;
}

export interface BlobStore {
  readonly name: string;
  put(key: string, data: Uint8Array, options?: BlobPutOptions): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  delete(key: string): Promise<void>;
  dispose(): Promise<void>;
}
