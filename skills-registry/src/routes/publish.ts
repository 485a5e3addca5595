/**
 * `PUT /:author/:slug/:version` — publish one immutable version. Body: the zip archive. `?tag=<t>` puts the
 * version under that dist-tag instead of moving `latest`.
 * @module
 */
import semver from "semver";
import {
  publicBase,
  queryValue,
  type RegistryContext,
  type RouteRequest,
  requirePublisher,
  skillParams,
} from "../context.ts";
import { archivePath } from "../documents.ts";
import { jsonResponse, RegistryError } from "../errors.ts";
import { compareBytes, contentDigestOf, discoveryDigestOf, integrityOf, sha256Hex } from "../hashes.ts";
import { LIMITS } from "../limits.ts";
import { skillName, TAG_PATTERN } from "../names.ts";
import { archiveKey } from "../storage/registry-storage.ts";
import type { FileEntry, VersionRecord } from "../types.ts";

export function checkVersion(version: string): void {
  if (semver.valid(version) !== version) {
    throw new RegistryError(400, "version_invalid", `"${version}" is not a semver version such as 1.0.0`);
  }
  if (version.includes("+")) {
    throw new RegistryError(400, "version_invalid", "build metadata (+...) is not supported in versions");
  }
}

export function checkTag(tag: string): void {
  if (!TAG_PATTERN.test(tag) || semver.validRange(tag) !== null) {
    throw new RegistryError(
      400,
      "tag_invalid",
      `"${tag}" is not a valid dist-tag (a letter, then a-z 0-9 -; not a range)`,
    );
  }
}

/** Reads the body up to the archive cap, counting bytes as they arrive (Content-Length may lie or be absent). */
async function readArchive(request: Request): Promise<Uint8Array> {
  const tooLarge = () =>
    new RegistryError(413, "archive_too_large", `the archive is larger than ${LIMITS.archiveBytes} bytes`);
  if (Number(request.headers.get("content-length") ?? 0) > LIMITS.archiveBytes) throw tooLarge();
  if (!request.body)
    throw new RegistryError(400, "archive_missing", "send the zip archive as the request body");
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > LIMITS.archiveBytes) {
      // Not awaited: on Bun the cancel of a request body still arriving never settles, and the client waited for
      // ever. The 413 goes out now; whatever the runtime does with the rest of the body is no longer our concern.
      reader.cancel().catch(() => {
        // The client went away mid-body; there is nobody left to tell.
      });
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

async function manifestOf(files: Map<string, Uint8Array>): Promise<FileEntry[]> {
  const paths = [...files.keys()].sort(compareBytes);
  return Promise.all(
    paths.map(async (path) => ({
      path,
      size: files.get(path)!.length,
      sha256: await sha256Hex(files.get(path)!),
    })),
  );
}

export async function publish(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  const version = request.params.version ?? "";
  const principal = await requirePublisher(context, request, author);
  checkVersion(version);
  const tag = queryValue(request, "tag") ?? "latest";
  checkTag(tag);
  const existing = await context.storage.getVersion(author, slug, version);
  if (existing) throw versionTaken(author, slug, existing);
  // The zip and YAML libraries load with the first publish, not with every gateway start.
  const [{ validateSkillArchive }, { writeZip }] = await Promise.all([
    import("../validate/skill-archive.ts"),
    import("../archive/write-zip.ts"),
  ]);
  const skill = validateSkillArchive(await readArchive(request), slug, version);
  // Re-pack canonically: the same files always give the same archive and the same integrity.
  const archive = writeZip(skill.files);
  const digest = await discoveryDigestOf(archive);
  const files = await manifestOf(skill.files);
  const record: VersionRecord = {
    author,
    slug,
    version,
    description: skill.description,
    integrity: await integrityOf(archive),
    digest,
    content_digest: await contentDigestOf(skill.files),
    size: archive.length,
    unpacked_size: files.reduce((sum, f) => sum + f.size, 0),
    file_count: files.length,
    files,
    blob: archiveKey({ author, slug, version, digest }),
    publisher: principal.user,
    published_at: new Date().toISOString(),
  };
  await context.storage.putArchive(record.blob, archive);
  if (!(await context.storage.addVersion(record))) {
    const winner = await context.storage.getVersion(author, slug, version);
    // The blob key is content-addressed: only drop ours when the winner stored different bytes.
    if (winner?.blob !== record.blob) await context.storage.deleteArchive(record.blob);
    throw versionTaken(author, slug, winner);
  }
  const tags = await moveTag(context, record, tag);
  return jsonResponse(
    {
      name: skillName(author, slug),
      version,
      integrity: record.integrity,
      digest,
      size: record.size,
      file_count: record.file_count,
      unpacked_size: record.unpacked_size,
      "dist-tags": tags,
      archive_url: `${publicBase(request, context.basePath)}${archivePath(author, slug, version)}`,
    },
    201,
  );
}

function versionTaken(author: string, slug: string, record: VersionRecord | null): RegistryError {
  const was = record?.unpublished_at ? " (it was unpublished; version numbers are never reused)" : "";
  return new RegistryError(
    409,
    "version_exists",
    `${author}/${slug}@${record?.version ?? "?"} was already published${was}; bump metadata.version and publish again`,
  );
}

/**
 * `latest` follows the highest version: publishing an older patch does not drag it back (as ClawHub, JSR). One
 * compare-and-set step on the tag, so of two publishes at once the higher version ends up as `latest`, whichever
 * lands last.
 */
async function moveTag(
  context: RegistryContext,
  record: VersionRecord,
  tag: string,
): Promise<Record<string, string>> {
  const { author, slug, version } = record;
  await context.storage.moveTag(author, slug, tag, (current) =>
    tag !== "latest" || current === null || !semver.valid(current) || semver.gt(version, current)
      ? version
      : undefined,
  );
  return context.storage.getTags(author, slug);
}
