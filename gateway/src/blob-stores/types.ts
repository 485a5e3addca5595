/**
 * Binary objects (attachments, skill archives): written once, read by key. One file per backend.
 * Keys follow the same rules as session-store keys.
 * @module
 */
export interface BlobStore {
  readonly name: string;
  put(key: string, data: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  delete(key: string): Promise<void>;
  dispose(): Promise<void>;
}
