/**
 * Reading skills: `GET /:author/:slug` (package document), `GET /:author/:slug/:spec` (one version by number, tag
 * or range) and `GET /:author/:slug/-/<slug>-<version>.zip` (the archive, with its integrity in headers).
 * @module
 */
import {
  isHeadRequest,
  publicBase,
  type RegistryContext,
  type RouteRequest,
  skillParams,
} from "../context.ts";
import {
  archiveFileName,
  loadSkill,
  packageDocument,
  type SkillState,
  versionDocument,
} from "../documents.ts";
import { jsonResponse, RegistryError } from "../errors.ts";
import { isVersionSpec, resolveSpec } from "../resolve.ts";
import type { VersionRecord } from "../types.ts";

const MUTABLE = { "cache-control": "no-cache" };
const IMMUTABLE = { "cache-control": "public, max-age=31536000, immutable" };

export async function loadExisting(
  context: RegistryContext,
  author: string,
  slug: string,
): Promise<SkillState> {
  const state = await loadSkill(context.storage, { author, slug });
  if (state.versions.length === 0)
    throw new RegistryError(404, "skill_not_found", `no skill "${author}/${slug}"`);
  return state;
}

export async function getPackage(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  const state = await loadExisting(context, author, slug);
  return jsonResponse(packageDocument(state, publicBase(request, context.basePath)), 200, MUTABLE);
}

function findVersion(state: SkillState, spec: string): VersionRecord {
  const { author, slug } = state.ref;
  const exact = state.versions.find((v) => v.version === spec);
  if (exact?.unpublished_at) {
    throw new RegistryError(410, "version_unpublished", `${author}/${slug}@${spec} was unpublished`);
  }
  const live = state.versions.map((v) => ({
    version: v.version,
    unpublished: v.unpublished_at !== undefined,
  }));
  if (!isVersionSpec(spec, state.tags)) {
    throw new RegistryError(
      400,
      "range_invalid",
      `"${spec}" is neither a version, a dist-tag nor a semver range (such as ^1.2.0)`,
    );
  }
  const version = resolveSpec(spec, state.tags, live);
  const record = state.versions.find((v) => v.version === version);
  if (!record)
    throw new RegistryError(404, "version_not_found", `no version of ${author}/${slug} matches "${spec}"`);
  return record;
}

/** A path parameter %-decoded; malformed escapes (`%zz`) are the client's error, not the registry's. */
function decodedParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new RegistryError(
      400,
      "version_invalid",
      `"${raw}" holds malformed %-escapes; send a version such as 1.0.0`,
    );
  }
}

export async function getVersion(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  const state = await loadExisting(context, author, slug);
  const record = findVersion(state, decodedParam(request.params.version ?? ""));
  const base = publicBase(request, context.basePath);
  const isExact = record.version === request.params.version;
  const doc = versionDocument(record, base, Number(state.downloads[record.version] ?? 0));
  return jsonResponse(doc, 200, isExact ? {} : MUTABLE);
}

export async function getArchive(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  const file = request.params.file ?? "";
  const version = file.startsWith(`${slug}-`) && file.endsWith(".zip") ? file.slice(slug.length + 1, -4) : "";
  const record = await context.storage.getVersion(author, slug, version);
  if (!record || archiveFileName(slug, record.version) !== file) {
    throw new RegistryError(404, "archive_not_found", `no archive ${author}/${slug}/-/${file}`);
  }
  if (record.unpublished_at) {
    throw new RegistryError(410, "version_unpublished", `${author}/${slug}@${version} was unpublished`);
  }
  const archive = await context.storage.getArchive(record.blob);
  if (!archive)
    throw new RegistryError(
      500,
      "archive_lost",
      `the stored archive of ${author}/${slug}@${version} is missing`,
    );
  // A HEAD reaches the router as a GET (index.ts): only a real GET counts a download.
  if (!isHeadRequest(request)) await context.storage.countDownload(author, slug, version);
  const sha512 = record.integrity.slice("sha512-".length);
  return new Response(archive as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": "application/zip",
      "content-length": String(archive.length),
      "content-disposition": `attachment; filename="${file}"`,
      // RFC 9530 digest of the bytes, plus the npm-style SRI string clients can compare verbatim.
      "repr-digest": `sha-512=:${sha512}:`,
      "x-skill-integrity": record.integrity,
      etag: `"${record.digest}"`,
      ...IMMUTABLE,
    },
  });
}
