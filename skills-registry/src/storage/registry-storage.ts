/**
 * The registry's view of the session store and blob store. Every version lives under a key of its own, written
 * once with the store's atomic `add`, so concurrent publishes of one version have exactly one winner and
 * publishes of different versions never overwrite each other. Dist-tags are one key each. A version record's
 * later changes (deprecation, unpublish) and every tag move or tag removal after an unpublish are compare-and-set
 * steps of the store (`update`), so of two concurrent writers neither undoes the other (an unpublish stays, `latest`
 * only moves up on publish, a tag moved meanwhile is not removed).
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
  /**
   * Changes a published version's record as stored now (deprecation, unpublish): `change` returns the next record
   * or undefined to leave it; it may run more than once. Never creates a version, never changes its identity.
   */
  updateVersion(
    author: string,
    slug: string,
    version: string,
    change: (current: VersionRecord) => VersionRecord | undefined,
  ): Promise<{ record: VersionRecord | null; changed: boolean }>;
  /** All versions ever published (including unpublished ones), sorted by semver ascending. */
  listVersions(author: string, slug: string): Promise<VersionRecord[]>;
  getTags(author: string, slug: string): Promise<Record<string, string>>;
  /**
   * Moves a tag in one compare-and-set step: `decide` gets the version it points at now (null: unset) and returns
   * the new one, null to remove the tag, or undefined to leave it. Resolves with what the tag points at afterwards.
   */
  moveTag(
    author: string,
    slug: string,
    tag: string,
    decide: (current: string | null) => string | null | undefined,
  ): Promise<string | null>;
  deleteTag(author: string, slug: string, tag: string): Promise<void>;
  /** Every skill that has at least one version record, optionally for one author, sorted. */
  listSkills(author?: string): Promise<SkillRef[]>;
  countDownload(author: string, slug: string, version: string): Promise<void>;
  downloads(author: string, slug: string): Promise<Record<string, number>>;
  putArchive(key: string, data: Uint8Array): Promise<void>;
  getArchive(key: string): Promise<Uint8Array | null>;
  deleteArchive(key: string): Promise<void>;
}

/**
 * Versions reach the storage from URLs and bodies; one that was never publishable (not semver, build metadata,
 * empty) has no record, and must not become a store key the store refuses (that answered 500 internal_error).
 */
const publishable = (version: string) => semver.valid(version) === version && !version.includes("+");
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
    getVersion: (a, s, v) =>
      publishable(v) ? store.get<VersionRecord>(versionKey(a, s, v)) : Promise.resolve(null),
    addVersion: (record) => store.add(versionKey(record.author, record.slug, record.version), record),
    async updateVersion(a, s, v, change) {
      if (!publishable(v)) return { record: null, changed: false };
      const { value, changed } = await store.update<VersionRecord>(versionKey(a, s, v), (current) => {
        if (current === null) return undefined;
        const next = change(current);
        // Name and number are the record's identity: a change may not move it.
        if (next === undefined || next.author !== a || next.slug !== s || next.version !== v)
          return undefined;
        return { value: next };
      });
      return { record: value, changed };
    },
    async listVersions(a, s) {
      const pairs = await valuesUnder<VersionRecord>(`skills:v:${a}:${s}:`);
      return pairs.map(([, record]) => record).sort((x, y) => semver.compare(x.version, y.version));
    },
    async getTags(a, s) {
      return Object.fromEntries(await valuesUnder<string>(`skills:t:${a}:${s}:`));
    },
    async moveTag(a, s, t, decide) {
      const { value } = await store.update<string>(tagKey(a, s, t), (current) => {
        const next = decide(current);
        if (next === undefined || next === current) return undefined;
        return next === null ? { delete: true } : { value: next };
      });
      return value;
    },
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
      // A count lost to a power cut is harmless: the download does not wait for a sync (fs store).
      await store.increment(downloadKey(a, s, v), 1, { durable: false });
    },
    async downloads(a, s) {
      return Object.fromEntries(await valuesUnder<number>(`skills:dl:${a}:${s}:`));
    },
    putArchive: (key, data) => blobs.put(key, data),
    getArchive: (key) => blobs.get(key),
    deleteArchive: (key) => blobs.delete(key),
  };
}
