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
import { CONTROL_CHARACTER } from "../printable.ts";
import type { VersionRecord } from "../types.ts";
import { checkTag, checkVersion } from "./publish.ts";
import { loadExisting } from "./skills.ts";

export async function listTags(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  const state = await loadExisting(context, author, slug);
  return jsonResponse(state.tags);
}

/** The `:tag` route parameter %-decoded, so a refusal shows `^1` as typed, not `%5E1` as sent. */
function tagParam(request: RouteRequest): string {
  const raw = request.params.tag ?? "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // malformed %-escapes: checkTag refuses the raw text
  }
}

export async function addTag(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  await requirePublisher(context, request, author);
  const tag = tagParam(request);
  checkTag(tag);
  const body = await readJson(request);
  const version = typeof body.version === "string" ? body.version : "";
  // Also keeps a missing or odd version out of the store key (it answered 500 internal_error).
  checkVersion(version);
  const missing = () =>
    new RegistryError(404, "version_not_found", `${skillName(author, slug)}@${version} does not exist`);
  const record = await context.storage.getVersion(author, slug, version);
  if (!record || record.unpublished_at) throw missing();
  await context.storage.moveTag(author, slug, tag, () => version);
  // An unpublish that ran meanwhile may have cleared the version's tags before this one was written: take it back.
  if ((await context.storage.getVersion(author, slug, version))?.unpublished_at) {
    await retargetTags(context, author, slug, version, [tag]);
    throw missing();
  }
  return jsonResponse(await context.storage.getTags(author, slug));
}

export async function removeTag(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  await requirePublisher(context, request, author);
  const tag = tagParam(request);
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
  // Printed by `skills info` and `skills install` in other people's terminals, like a description.
  if (CONTROL_CHARACTER.test(body.message)) {
    throw new RegistryError(
      400,
      "message_invalid",
      "`message` must not contain control characters (only tab and line feed are allowed)",
    );
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
  const message = body.message;
  const changed: string[] = [];
  for (const { version } of matching) {
    // On the record as stored now: a version unpublished since it was listed stays unpublished.
    const { record } = await context.storage.updateVersion(author, slug, version, (current) => {
      if (current.unpublished_at) return undefined;
      const { deprecated: _previous, ...rest } = current;
      return message === "" ? rest : { ...rest, deprecated: message };
    });
    if (record && !record.unpublished_at) changed.push(version);
  }
  return jsonResponse({
    name: skillName(author, slug),
    versions: changed,
    deprecated: body.message === "" ? null : body.message,
  });
}

/** `DELETE /:author/:slug/:version` — only within 72 h of publishing; the number stays reserved forever. */
export async function unpublish(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  await requirePublisher(context, request, author);
  const version = request.params.version ?? "";
  const name = `${skillName(author, slug)}@${version}`;
  const unpublishedAt = new Date().toISOString();
  // One compare-and-set step: of two unpublishes at once one wins, and a deprecation racing it cannot undo it.
  const { record, changed } = await context.storage.updateVersion(author, slug, version, (current) =>
    unpublishRefusal(name, current) ? undefined : { ...current, unpublished_at: unpublishedAt },
  );
  if (!record) throw new RegistryError(404, "version_not_found", `${name} does not exist`);
  // Not changed: the step refused this very record (another unpublish won, or the window has passed); time only
  // moves on, so the same refusal still holds.
  if (!changed) throw unpublishRefusal(name, record) as RegistryError;
  await context.storage.deleteArchive(record.blob);
  await retargetTags(context, author, slug, version);
  return jsonResponse({ name: skillName(author, slug), version, unpublished_at: unpublishedAt });
}

/** Why this version may not be unpublished now, or null when it may. */
function unpublishRefusal(name: string, record: VersionRecord): RegistryError | null {
  if (record.unpublished_at)
    return new RegistryError(410, "version_unpublished", `${name} was already unpublished`);
  const ageHours = (Date.now() - Date.parse(record.published_at)) / 3_600_000;
  if (ageHours > UNPUBLISH_WINDOW_HOURS) {
    return new RegistryError(
      409,
      "unpublish_window_passed",
      `${name} was published more than ${UNPUBLISH_WINDOW_HOURS} hours ago; deprecate it instead`,
    );
  }
  return null;
}

/**
 * Tags that pointed at an unpublished version: `latest` falls back to the highest live version, others go. Each
 * tag changes in one compare-and-set step, and only while it still names that version, so a tag moved meanwhile
 * (a publish raising `latest`, an author pointing a tag elsewhere) keeps its new target.
 */
async function retargetTags(
  context: RegistryContext,
  author: string,
  slug: string,
  version: string,
  only?: string[],
): Promise<void> {
  const tags =
    only ??
    Object.entries(await context.storage.getTags(author, slug))
      .filter(([, target]) => target === version)
      .map(([tag]) => tag);
  const live = (await context.storage.listVersions(author, slug))
    .filter((v) => !v.unpublished_at)
    .map((v) => v.version);
  const fallback = semver.maxSatisfying(live, "*") ?? live[live.length - 1] ?? null;
  for (const tag of tags) {
    const target = tag === "latest" ? fallback : null;
    await context.storage.moveTag(author, slug, tag, (current) => (current === version ? target : undefined));
  }
}
