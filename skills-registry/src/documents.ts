/**
 * The JSON documents the registry serves: the npm-like package document, version documents, search summaries
 * and the Agent Skills discovery index.
 * @module
 */
import { skillName } from "./names.ts";
import { resolveSpec } from "./resolve.ts";
import type { RegistryStorage, SkillRef } from "./storage/registry-storage.ts";
import type { VersionRecord } from "./types.ts";

export const DISCOVERY_SCHEMA = "https://schemas.agentskills.io/discovery/0.2.0/schema.json";

export function archiveFileName(slug: string, version: string): string {
  return `${slug}-${version}.zip`;
}

export function archivePath(author: string, slug: string, version: string): string {
  return `/${author}/${slug}/-/${archiveFileName(slug, version)}`;
}

/** A version as clients see it: the stored record without internal fields, plus its archive URL. */
export function versionDocument(record: VersionRecord, base: string, downloads = 0): Record<string, unknown> {
  const { blob: _blob, author, slug, ...rest } = record;
  return {
    name: skillName(author, slug),
    ...rest,
    archive_url: `${base}${archivePath(author, slug, record.version)}`,
    downloads,
  };
}

export interface SkillState {
  ref: SkillRef;
  versions: VersionRecord[];
  tags: Record<string, string>;
  downloads: Record<string, number>;
}

export async function loadSkill(storage: RegistryStorage, ref: SkillRef): Promise<SkillState> {
  const [versions, tags, downloads] = await Promise.all([
    storage.listVersions(ref.author, ref.slug),
    storage.getTags(ref.author, ref.slug),
    storage.downloads(ref.author, ref.slug),
  ]);
  return { ref, versions, tags, downloads };
}

export function latestRecord(state: SkillState): VersionRecord | null {
  const live = state.versions.map((v) => ({
    version: v.version,
    unpublished: v.unpublished_at !== undefined,
  }));
  const version = resolveSpec("latest", state.tags, live);
  return state.versions.find((v) => v.version === version) ?? null;
}

function totalDownloads(state: SkillState): number {
  return Object.values(state.downloads).reduce((sum, n) => sum + Number(n), 0);
}

/** The package document, modelled on npm's packument. */
export function packageDocument(state: SkillState, base: string): Record<string, unknown> {
  const { author, slug } = state.ref;
  const latest = latestRecord(state);
  const versions: Record<string, unknown> = {};
  const unpublished: Record<string, string> = {};
  for (const record of state.versions) {
    if (record.unpublished_at) unpublished[record.version] = record.unpublished_at;
    else {
      const { files: _files, ...doc } = versionDocument(
        record,
        base,
        Number(state.downloads[record.version] ?? 0),
      );
      versions[record.version] = doc;
    }
  }
  const times = {
    published: state.versions.map((v) => v.published_at).sort(),
    changed: state.versions.map((v) => v.unpublished_at ?? v.published_at).sort(),
  };
  return {
    name: skillName(author, slug),
    author,
    slug,
    description: latest?.description ?? "",
    "dist-tags": state.tags,
    versions,
    unpublished,
    downloads: totalDownloads(state),
    time: {
      created: times.published[0] ?? null,
      modified: times.changed[times.changed.length - 1] ?? null,
    },
  };
}

/** One line of search results and author listings; `null` when nothing of the skill is live. */
export function skillSummary(state: SkillState): Record<string, unknown> | null {
  const latest = latestRecord(state);
  if (!latest) return null;
  return {
    name: skillName(state.ref.author, state.ref.slug),
    author: state.ref.author,
    slug: state.ref.slug,
    description: latest.description,
    version: latest.version,
    ...(latest.deprecated ? { deprecated: latest.deprecated } : {}),
    published_at: latest.published_at,
    downloads: totalDownloads(state),
  };
}

/**
 * One discovery entry per skill of the author, pointing at its `latest` archive. URLs are relative to the index
 * (`<base>/<author>/.well-known/agent-skills/index.json`) so they hold behind any mount point or proxy.
 */
export function discoveryEntry(record: VersionRecord, relativePrefix: string): Record<string, unknown> {
  return {
    name: record.slug,
    type: "archive",
    description: record.description,
    url: `${relativePrefix}${record.slug}/-/${archiveFileName(record.slug, record.version)}`,
    digest: record.digest,
  };
}
