/**
 * Records the registry keeps in the session store and the options of `createSkillsRegistry`.
 * @module
 */
import type { BlobStore } from "../../gateway/src/blob-stores/types.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";

/** Who is calling, as the host's authentication says. `null` from `authenticate` means anonymous. */
export interface Principal {
  user: string;
  tokenId: string;
  scopes: string[];
}

export interface SkillsRegistryOptions {
  /** Metadata: versions, dist-tags, download counters. */
  store: SessionStore;
  /** Archives, one per published version. */
  blobs: BlobStore;
  /** Resolves the caller from the request (e.g. its bearer token); reads work anonymously. */
  authenticate(request: Request): Promise<Principal | null>;
  /** Path prefix the routes live under when the registry is served alone (default ""). */
  basePath?: string;
}

/** One file of a published version (the per-file manifest). */
export interface FileEntry {
  path: string;
  size: number;
  sha256: string;
}

/** Everything known about one published (or unpublished) version; stored under its own key, never reused. */
export interface VersionRecord {
  author: string;
  slug: string;
  version: string;
  description: string;
  /** `sha512-<base64>` of the archive bytes (SRI, as npm). */
  integrity: string;
  /** `sha256:<hex>` of the archive bytes (discovery RFC). */
  digest: string;
  /** `sha256:<hex>` over the sorted file manifest, independent of archive format. */
  content_digest: string;
  size: number;
  unpacked_size: number;
  file_count: number;
  files: FileEntry[];
  blob: string;
  publisher: string;
  published_at: string;
  deprecated?: string;
  /** Set when unpublished: the archive is gone but the number stays reserved forever. */
  unpublished_at?: string;
}
