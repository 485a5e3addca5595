/**
 * The registry's view of the session store and blob store. Every version lives under a key of its own, written
 * once with the store's atomic `add`, so concurrent publishes of one version have exactly one winner and
 * publishes of different versions never overwrite each other. Dist-tags are one key each.
 *
 * Keys: `skills:v:<author>:<slug>:<version>` (VersionRecord), `skills:t:<author>:<slug>:<tag>` (version string),
 * `skills:dl:<author>:<slug>:<version>` (download counter), blobs `skills:<author>:<slug>:<version>:<sha256>`.
 * @module
 */
import semver from "semver";
import type { BlobStore } from "../../../gateway/src/blob-stores/types.ts";
import type { SessionStore } from "../../../gateway/src/session-stores/types.ts";
import type { VersionRecord } from "../types.ts";

export interface SkillRef {
  author: string;
  slug: string;
}

export interface RegistryStorage {
  getVersion(author: string, slug: string, version: string): Promise<VersionRecord | null>;
  /** Atomically creates the version; `false` when the number was ever used. */
  addVersion(record: VersionRecord): Promise<boolean>;
  putVersion(record: VersionRecord): Promise<void>;
  /** All versions ever published (including unpublished ones), sorted by semver ascending. */
  listVersions(author: string, slug: string): Promise<VersionRecord[]>;
  getTags(author: string, slug: string): Promise<Record<string, string>>;
  setTag(author: string, slug: string, tag: string, version: string): Promise<void>;
  deleteTag(author: string, slug: string, tag: string): Promise<void>;
  /** Every skill that has at least one version record, optionally for one author, sorted. */
  listSkills(author?: string): Promise<SkillRef[]>;
  countDownload(author: string, slug: string, version: string): Promise<void>;
  downloads(author: string, slug: string): Promise<Record<string, number>>;
  putArchive(key: string, data: Uint8Array): Promise<void>;
  getArchive(key: string): Promise<Uint8Array | null>;
  deleteArchive(key: string): Promise<void>;
}

const versionKey = (a: string, s: string, v: string) => `skills:v:${a}:${s}:${v}`;
const tagKey = (a: string, s: string, t: string) => `skills:t:${a}:${s}:${t}`;
const downloadKey = (a: string, s: string, v: string) => `skills:dl:${a}:${s}:${v}`;

export function archiveKey(record: Pick<VersionRecord, "author" | "slug" | "version" | "digest">): string {
  return `skills:${record.author}:${record.slug}:${record.version}:${record.digest.slice("sha256:".length)}`;
}

export function createRegistryStorage(store: SessionStore, blobs: BlobStore): RegistryStorage {
  async function valuesUnder<T>(prefix: string): Promise<Array<[string, T]>> {
    const keys = await store.keys(prefix);
    const values = await Promise.all(keys.map((key) => store.get<T>(key)));
    const pairs: Array<[string, T]> = [];
    keys.forEach((key, index) => {
      const value = values[index];
      if (value !== null && value !== undefined) pairs.push([key.slice(prefix.length), value]);
    });
    return pairs;
  }

  return {
    // Versions reach here from URLs and bodies; one that was never publishable (not semver, build metadata, empty)
    // has no record, and must not become a store key the store refuses (that answered 500 internal_error).
    getVersion: (a, s, v) =>
      semver.valid(v) === v && !v.includes("+")
        ? store.get<VersionRecord>(versionKey(a, s, v))
        : Promise.resolve(null),
    addVersion: (record) => store.add(versionKey(record.author, record.slug, record.version), record),
    putVersion: (record) => store.set(versionKey(record.author, record.slug, record.version), record),
    async listVersions(a, s) {
      const pairs = await valuesUnder<VersionRecord>(`skills:v:${a}:${s}:`);
      return pairs.map(([, record]) => record).sort((x, y) => semver.compare(x.version, y.version));
    },
    async getTags(a, s) {
      return Object.fromEntries(await valuesUnder<string>(`skills:t:${a}:${s}:`));
    },
    setTag: (a, s, t, v) => store.set(tagKey(a, s, t), v),
    deleteTag: (a, s, t) => store.delete(tagKey(a, s, t)),
    async listSkills(author) {
      const keys = await store.keys(author ? `skills:v:${author}:` : "skills:v:");
      const seen = new Map<string, SkillRef>();
      for (const key of keys) {
        const [, , a, s] = key.split(":");
        if (a && s) seen.set(`${a}/${s}`, { author: a, slug: s });
      }
      return [...seen.values()];
    },
    async countDownload(a, s, v) {
      await store.increment(downloadKey(a, s, v));
    },
    async downloads(a, s) {
      return Object.fromEntries(await valuesUnder<number>(`skills:dl:${a}:${s}:`));
    },
    putArchive: (key, data) => blobs.put(key, data),
    getArchive: (key) => blobs.get(key),
    deleteArchive: (key) => blobs.delete(key),
  };
}
