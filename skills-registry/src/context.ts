/**
 * What every route handler gets: storage, the caller, and the public base URL for links in documents.
 * @module
 */
import { RegistryError } from "./errors.ts";
import { AUTHOR_PATTERN, SLUG_PATTERN } from "./names.ts";
import type { RegistryStorage } from "./storage/registry-storage.ts";
import type { Principal } from "./types.ts";

export interface RegistryContext {
  storage: RegistryStorage;
  authenticate(request: Request): Promise<Principal | null>;
  basePath: string;
}

/** A request as itty-router hands it over: route params and the parsed query. */
export type RouteRequest = Request & {
  params: Record<string, string>;
  query: Record<string, string | string[]>;
};

const HEAD_REQUESTS = new WeakSet<Request>();

/** Marks the GET the registry makes of a HEAD request (itty matches methods literally), see `isHeadRequest`. */
export function markHeadRequest(request: Request): void {
  HEAD_REQUESTS.add(request);
}

/** True when `request` is the GET made of a client's HEAD: it must not count as a download. */
export function isHeadRequest(request: Request): boolean {
  return HEAD_REQUESTS.has(request);
}

/**
 * Header a host sets when it mounts the registry under a prefix (the gateway's `mountSkills` does), so absolute
 * links in documents point back through the mount. Hosts overwrite any value a client sent.
 */
export const MOUNT_PREFIX_HEADER = "x-forwarded-prefix";

export function publicBase(request: Request, basePath: string): string {
  const prefix = request.headers.get(MOUNT_PREFIX_HEADER);
  const path = prefix !== null && /^(\/[A-Za-z0-9._~-]+)*$/.test(prefix) ? prefix : basePath;
  return `${new URL(request.url).origin}${path}`;
}

export function queryValue(request: RouteRequest, name: string): string | undefined {
  const value = request.query[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Route params `author` and `slug`, checked against the naming rules (404 when they cannot exist). */
export function skillParams(request: RouteRequest): { author: string; slug: string } {
  const { author = "", slug = "" } = request.params;
  if (!AUTHOR_PATTERN.test(author)) throw new RegistryError(404, "author_not_found", `no author "${author}"`);
  if (slug !== "" && !SLUG_PATTERN.test(slug))
    throw new RegistryError(404, "skill_not_found", `no skill "${author}/${slug}"`);
  return { author, slug };
}

/** The caller, who must hold `publish` and act under their own name. */
export async function requirePublisher(
  context: RegistryContext,
  request: Request,
  author: string,
): Promise<Principal> {
  const principal = await context.authenticate(request);
  if (!principal) {
    throw new RegistryError(401, "unauthorized", "a token is required: send `Authorization: Bearer <token>`");
  }
  if (!principal.scopes.includes("publish")) {
    throw new RegistryError(
      403,
      "scope_missing",
      "this token lacks the `publish` scope; create one that has it",
    );
  }
  if (principal.user !== author) {
    throw new RegistryError(
      403,
      "author_mismatch",
      `token of "${principal.user}" cannot publish or manage skills of "${author}"; publish under ${principal.user}/<slug>`,
    );
  }
  return principal;
}

export async function readJson(request: Request, maxBytes = 16 * 1024): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.length > maxBytes)
    throw new RegistryError(413, "body_too_large", `JSON body larger than ${maxBytes} bytes`);
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // Fall through to the error below: the body is not JSON at all.
  }
  throw new RegistryError(400, "body_invalid", "the request body must be a JSON object");
}
