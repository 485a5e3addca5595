/**
 * Mounts the skills registry (its own itty-router service, `skills-registry/`) inside the gateway, under
 * `/v1/skills` (the API the CLI uses) and `/skills` (short URLs for `npx skills add <gateway>/skills/<author>`).
 * @module
 */
import type { Env, Hono } from "hono";
import { mount } from "hono/mount";

/** Anything with a Web `fetch`, e.g. the result of `createSkillsRegistry(...)`. */
export interface FetchHandler {
  fetch(req: Request, ...rest: unknown[]): Response | Promise<Response>;
}

/** Must equal `MOUNT_PREFIX_HEADER` in skills-registry/src/context.ts (the registry builds absolute links from it). */
const MOUNT_PREFIX_HEADER = "x-forwarded-prefix";

export const SKILLS_MOUNT_PREFIXES = ["/v1/skills", "/skills"] as const;

/**
 * Mount's default rewrite strips the prefix; we then tell the registry where it is mounted, overwriting whatever a
 * client sent, so package documents link back through the same prefix.
 *
 * @example
 * ```ts
 * mountSkills(app, createSkillsRegistry({ store, blobs, authenticate }));
 * ```
 */
export function mountSkills<E extends Env>(app: Hono<E>, registry: FetchHandler): void {
  for (const prefix of SKILLS_MOUNT_PREFIXES) {
    const handler = (request: Request, ...rest: unknown[]) => {
      const headers = new Headers(request.headers);
      headers.set(MOUNT_PREFIX_HEADER, prefix);
      return registry.fetch(new Request(request, { headers }), ...rest);
    };
    app.all(prefix, mount(handler));
    app.all(`${prefix}/*`, mount(handler));
  }
}
