/**
 * Changing published skills (author only, `publish` scope): dist-tags, deprecation, unpublish within 72 hours.
 * @module
 */
import semver from "semver";
import {
  type RegistryContext,
  type RouteRequest,
  readJson,
  requirePublisher,
  skillParams,
} from "../context.ts";
import { jsonResponse, RegistryError } from "../errors.ts";
import { UNPUBLISH_WINDOW_HOURS } from "../limits.ts";
import { skillName } from "../names.ts";
import { checkTag, checkVersion } from "./publish.ts";
import { loadExisting } from "./skills.ts";

export async function listTags(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  const state = await loadExisting(context, author, slug);
  return jsonResponse(state.tags);
}

export async function addTag(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  await requirePublisher(context, request, author);
  const tag = request.params.tag ?? "";
  checkTag(tag);
  const body = await readJson(request);
  const version = typeof body.version === "string" ? body.version : "";
  // Also keeps a missing or odd version out of the store key (it answered 500 internal_error).
  checkVersion(version);
  const record = await context.storage.getVersion(author, slug, version);
  if (!record || record.unpublished_at) {
    throw new RegistryError(404, "version_not_found", `${skillName(author, slug)}@${version} does not exist`);
  }
  await context.storage.setTag(author, slug, tag, version);
  return jsonResponse(await context.storage.getTags(author, slug));
}

export async function removeTag(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  await requirePublisher(context, request, author);
  const tag = request.params.tag ?? "";
  if (tag === "latest")
    throw new RegistryError(400, "tag_protected", "`latest` cannot be removed; point it elsewhere");
  const tags = await context.storage.getTags(author, slug);
  if (tags[tag] === undefined)
    throw new RegistryError(404, "tag_not_found", `${skillName(author, slug)} has no tag "${tag}"`);
  await context.storage.deleteTag(author, slug, tag);
  delete tags[tag];
  return jsonResponse(tags);
}

/** Body `{ "range": "<1.2.0", "message": "use 2.x" }`; an empty message removes the deprecation (as npm). */
export async function deprecate(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  await requirePublisher(context, request, author);
  const body = await readJson(request);
  const range = typeof body.range === "string" && body.range !== "" ? body.range : "*";
  if (typeof body.message !== "string" || body.message.length > 1024) {
    throw new RegistryError(400, "message_invalid", "`message` must be a string of at most 1024 characters");
  }
  if (semver.validRange(range) === null)
    throw new RegistryError(400, "range_invalid", `"${range}" is not a semver range`);
  const state = await loadExisting(context, author, slug);
  const matching = state.versions.filter(
    (v) => !v.unpublished_at && semver.satisfies(v.version, range, { includePrerelease: true }),
  );
  if (matching.length === 0) {
    throw new RegistryError(
      404,
      "version_not_found",
      `no version of ${skillName(author, slug)} matches "${range}"`,
    );
  }
  for (const record of matching) {
    if (body.message === "") delete record.deprecated;
    else record.deprecated = body.message;
    await context.storage.putVersion(record);
  }
  return jsonResponse({
    name: skillName(author, slug),
    versions: matching.map((v) => v.version),
    deprecated: body.message === "" ? null : body.message,
  });
}

/** `DELETE /:author/:slug/:version` — only within 72 h of publishing; the number stays reserved forever. */
export async function unpublish(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  await requirePublisher(context, request, author);
  const version = request.params.version ?? "";
  const record = await context.storage.getVersion(author, slug, version);
  const name = `${skillName(author, slug)}@${version}`;
  if (!record) throw new RegistryError(404, "version_not_found", `${name} does not exist`);
  if (record.unpublished_at)
    throw new RegistryError(410, "version_unpublished", `${name} was already unpublished`);
  const ageHours = (Date.now() - Date.parse(record.published_at)) / 3_600_000;
  if (ageHours > UNPUBLISH_WINDOW_HOURS) {
    throw new RegistryError(
      409,
      "unpublish_window_passed",
      `${name} was published more than ${UNPUBLISH_WINDOW_HOURS} hours ago; deprecate it instead`,
    );
  }
  record.unpublished_at = new Date().toISOString();
  await context.storage.putVersion(record);
  await context.storage.deleteArchive(record.blob);
  await retargetTags(context, author, slug, version);
  return jsonResponse({ name: skillName(author, slug), version, unpublished_at: record.unpublished_at });
}

/** Tags that pointed at an unpublished version: `latest` falls back to the highest live version, others go. */
async function retargetTags(
  context: RegistryContext,
  author: string,
  slug: string,
  version: string,
): Promise<void> {
  const tags = await context.storage.getTags(author, slug);
  const live = (await context.storage.listVersions(author, slug))
    .filter((v) => !v.unpublished_at)
    .map((v) => v.version);
  for (const [tag, target] of Object.entries(tags)) {
    if (target !== version) continue;
    const fallback = semver.maxSatisfying(live, "*") ?? live[live.length - 1];
    if (tag === "latest" && fallback) await context.storage.setTag(author, slug, tag, fallback);
    else await context.storage.deleteTag(author, slug, tag);
  }
}
