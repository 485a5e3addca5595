/**
 * Finding skills: `GET /-/search?q=&author=`, `GET /:author` (an author's skills), `GET /-/whoami`, and the
 * Agent Skills discovery index `GET /:author/.well-known/agent-skills/index.json` that the real `skills` CLI reads
 * (`npx skills add <gateway>/skills/<author>`).
 * @module
 */
import { queryValue, type RegistryContext, type RouteRequest, skillParams } from "../context.ts";
import { DISCOVERY_SCHEMA, discoveryEntry, latestRecord, loadSkill, skillSummary } from "../documents.ts";
import { jsonResponse, RegistryError } from "../errors.ts";
import { AUTHOR_PATTERN } from "../names.ts";

const SHORT_CACHE = { "cache-control": "public, max-age=60" };

async function summaries(context: RegistryContext, author?: string): Promise<Array<Record<string, unknown>>> {
  const refs = await context.storage.listSkills(author);
  const states = await Promise.all(refs.map((ref) => loadSkill(context.storage, ref)));
  return states.map(skillSummary).filter((s): s is Record<string, unknown> => s !== null);
}

export async function search(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const q = (queryValue(request, "q") ?? "").trim().toLowerCase();
  const author = queryValue(request, "author");
  if (author !== undefined && !AUTHOR_PATTERN.test(author)) return jsonResponse({ results: [], total: 0 });
  const limit = Math.min(Math.max(Number(queryValue(request, "limit") ?? 20) || 20, 1), 100);
  const terms = q.split(/\s+/).filter(Boolean);
  const matches = (await summaries(context, author)).filter((s) => {
    const haystack = `${s.name} ${s.description}`.toLowerCase();
    return terms.every((term) => haystack.includes(term));
  });
  // Exact slug hits first, then the most downloaded, then by name: stable, explainable ordering.
  matches.sort(
    (a, b) =>
      Number(b.slug === q) - Number(a.slug === q) ||
      Number(b.downloads) - Number(a.downloads) ||
      String(a.name).localeCompare(String(b.name)),
  );
  return jsonResponse({ results: matches.slice(0, limit), total: matches.length });
}

/**
 * One rule for every name: the registry keeps no list of users, so an author without skills and a name no user can
 * have (`Alice`) both list no skills, as `search?author=` does. (`Alice` answered 404 author_not_found, `zzz` 200.)
 */
export async function listAuthor(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const author = request.params.author ?? "";
  if (!AUTHOR_PATTERN.test(author)) return jsonResponse({ author, skills: [] });
  return jsonResponse({ author, skills: await summaries(context, author) });
}

export async function whoami(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const principal = await context.authenticate(request);
  if (!principal)
    throw new RegistryError(401, "unauthorized", "a token is required: send `Authorization: Bearer <token>`");
  return jsonResponse({ user: principal.user, scopes: principal.scopes });
}

/** The author's index: one `archive` entry per skill, at its `latest` version. 404 when the author has none. */
export async function discoveryIndex(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author } = skillParams(request);
  const slug = request.params.slug;
  const refs = (await context.storage.listSkills(author)).filter(
    (ref) => slug === undefined || ref.slug === slug,
  );
  const states = await Promise.all(refs.map((ref) => loadSkill(context.storage, ref)));
  const records = states.map(latestRecord).filter((r) => r !== null);
  if (records.length === 0)
    throw new RegistryError(404, "skill_not_found", `no published skills under "${author}"`);
  // Relative to the index file: `<author>/.well-known/agent-skills/index.json` → `<author>/<slug>/-/...`, one more
  // level up for the single-skill index `<author>/.well-known/agent-skills/<slug>/.well-known/agent-skills/`.
  const up = slug === undefined ? "../../" : "../../../../../";
  return jsonResponse(
    { $schema: DISCOVERY_SCHEMA, skills: records.map((r) => discoveryEntry(r, up)) },
    200,
    SHORT_CACHE,
  );
}

/** `GET /:author/.well-known/agent-skills/:slug/SKILL.md` — the raw SKILL.md of the latest version. */
export async function discoverySkillMd(request: RouteRequest, context: RegistryContext): Promise<Response> {
  const { author, slug } = skillParams(request);
  const record = latestRecord(await loadSkill(context.storage, { author, slug }));
  const archive = record ? await context.storage.getArchive(record.blob) : null;
  // The zip library loads with the first request that opens an archive, not with every gateway start.
  const skillMd = archive
    ? (await import("../archive/read-zip.ts")).readZip(archive).get("SKILL.md")
    : undefined;
  if (!skillMd) throw new RegistryError(404, "skill_not_found", `no skill "${author}/${slug}"`);
  return new Response(skillMd as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "text/markdown; charset=utf-8", ...SHORT_CACHE },
  });
}
