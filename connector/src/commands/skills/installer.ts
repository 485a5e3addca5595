/**
 * The install pipeline shared by `install`, `update` and restoring from the lock file: resolve, fetch (cache
 * first), verify integrity BEFORE unpacking, unpack with the registry's own defensive zip reader and caps, write,
 * record in the lock.
 * @module
 */
import { join } from "node:path";
import semver from "semver";
import { readZip } from "../../../../skills-registry/src/archive/read-zip.ts";
import { ValidationError } from "../../../../skills-registry/src/errors.ts";
import { contentDigestOf, integrityOf } from "../../../../skills-registry/src/hashes.ts";
import { resolveSpec } from "../../../../skills-registry/src/resolve.ts";
import { CliError } from "../../cli/errors.ts";
import { createRegistryClient, type RegistryClient } from "./api.ts";
import { readCached, writeCached } from "./cache.ts";
import { writeSkill } from "./install-target.ts";
import { LOCK_FILE_NAME, type LockEntry } from "./lock-file.ts";
import { assertFoldersInProject } from "./project-folders.ts";

export interface Scope {
  /** Folder that receives `.agents/skills` and `.claude/skills`. */
  root: string;
  lockPath: string;
  /** `--global`: the root is the user's home, whose own dotfile links are the user's business. */
  global: boolean;
}

export function scopeFor(options: { dir?: string; global?: boolean }, home: string): Scope {
  if (options.global) {
    return { root: process.env.HOME || home, lockPath: join(home, "global-skills.lock.json"), global: true };
  }
  const root = options.dir ?? process.cwd();
  return { root, lockPath: join(root, LOCK_FILE_NAME), global: false };
}

/**
 * Refuses a project whose `.agents`/`.claude` skill folders are symlinks out of it (see project-folders.ts).
 * Run before a command reads or changes anything, and again right before each write or delete.
 */
export async function assertScopeContained(scope: Scope): Promise<void> {
  if (!scope.global) await assertFoldersInProject(scope.root);
}

export interface VersionInfo {
  version: string;
  integrity: string;
  archive_url: string;
  deprecated?: string;
}

export interface PackageDocument {
  name: string;
  description: string;
  "dist-tags": Record<string, string>;
  versions: Record<string, VersionInfo>;
  unpublished?: Record<string, string>;
  downloads: number;
}

export function fetchPackage(client: RegistryClient, author: string, slug: string): Promise<PackageDocument> {
  return client.json<PackageDocument>("GET", `/${author}/${slug}`);
}

export function pickVersion(doc: PackageDocument, spec: string | undefined): VersionInfo {
  const live = Object.keys(doc.versions).map((version) => ({ version }));
  const version = resolveSpec(spec, doc["dist-tags"], live);
  if (!version) {
    const known = Object.keys(doc.versions).join(", ") || "none";
    throw new CliError(
      "version_not_found",
      `no version of ${doc.name} matches "${spec ?? "latest"}" (versions: ${known})`,
    );
  }
  return doc.versions[version]!;
}

/** What to record as the range: the user's spec, or `^version` for a bare install (npm's default). */
export function rangeFor(spec: string | undefined, version: string): string {
  if (spec) return spec;
  return semver.prerelease(version) ? version : `^${version}`;
}

/**
 * The client to download `url` with: the user's own for the configured gateway, a tokenless one for any other
 * origin. A lock file's `resolved` is the project's text, and must not be a way to send the token elsewhere.
 */
function clientFor(client: RegistryClient, url: string): RegistryClient {
  if (new URL(url).origin === new URL(client.base).origin || !client.settings.token) return client;
  return createRegistryClient({ ...client.settings, token: undefined });
}

/** Cache first (so restores work offline), else download; either way the bytes must match `integrity`. */
export async function fetchArchive(
  client: RegistryClient | null,
  home: string,
  url: string,
  integrity: string,
): Promise<Uint8Array> {
  const cached = await readCached(home, integrity);
  if (cached) return cached;
  if (!client)
    throw new CliError("offline_cache_miss", `${url} is not in the local cache and no gateway is configured`);
  const bytes = await clientFor(client, url).download(url);
  await verifyIntegrity(bytes, integrity, url);
  await writeCached(home, integrity, bytes);
  return bytes;
}

export async function verifyIntegrity(bytes: Uint8Array, integrity: string, what: string): Promise<void> {
  const actual = await integrityOf(bytes);
  if (actual !== integrity) {
    throw new CliError(
      "integrity_mismatch",
      `integrity check failed for ${what}: expected ${integrity}, got ${actual}; nothing was installed`,
    );
  }
}

/** Verifies, then unpacks in memory with the registry's caps; nothing touches the disk until this succeeds. */
export async function unpackVerified(
  bytes: Uint8Array,
  integrity: string,
  what: string,
): Promise<Map<string, Uint8Array>> {
  await verifyIntegrity(bytes, integrity, what);
  try {
    const files = readZip(bytes);
    if (!files.has("SKILL.md")) throw new CliError("skill_md_missing", `${what} has no SKILL.md at its root`);
    return files;
  } catch (error) {
    if (error instanceof ValidationError)
      throw new CliError("archive_unsafe", `refusing ${what}: ${error.message}`);
    throw error;
  }
}

/** Downloads, verifies and writes one version; returns its lock entry. */
export async function installVersion(
  client: RegistryClient | null,
  home: string,
  scope: Scope,
  slug: string,
  info: Pick<VersionInfo, "archive_url" | "integrity" | "version">,
  range: string,
  label: string,
): Promise<LockEntry> {
  const bytes = await fetchArchive(client, home, info.archive_url, info.integrity);
  const files = await unpackVerified(bytes, info.integrity, label);
  await assertScopeContained(scope);
  await writeSkill(scope.root, slug, files);
  return {
    range,
    version: info.version,
    resolved: info.archive_url,
    integrity: info.integrity,
    content: await contentDigestOf(files),
  };
}
