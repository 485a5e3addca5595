/**
 * The skills registry: an itty-router service over Web `Request`/`Response`, deployable alone (Workers, Bun,
 * Deno, Node) or mounted inside the gateway. Its whole contract is `fetch(request, ...rest)`.
 *
 * @example
 * ```ts
 * const registry = createSkillsRegistry({ store, blobs, authenticate: async () => null });
 * const response = await registry.fetch(new Request("http://x/-/search?q=git"));
 * ```
 * @module
 */
import { Router } from "itty-router";
import { markHeadRequest, type RegistryContext, type RouteRequest } from "./context.ts";
import { errorResponse, RegistryError } from "./errors.ts";
import { discoveryIndex, discoverySkillMd, listAuthor, search, whoami } from "./routes/discovery.ts";
import { addTag, deprecate, listTags, removeTag, unpublish } from "./routes/manage.ts";
import { publish } from "./routes/publish.ts";
import { getArchive, getPackage, getVersion } from "./routes/skills.ts";
import { createRegistryStorage } from "./storage/registry-storage.ts";
import type { SkillsRegistryOptions } from "./types.ts";

export type { Principal, SkillsRegistryOptions, VersionRecord } from "./types.ts";

export interface SkillsRegistry {
  fetch(request: Request, ...rest: unknown[]): Promise<Response>;
}

type Handler = (request: RouteRequest, context: RegistryContext) => Promise<Response>;

export function createSkillsRegistry(options: SkillsRegistryOptions): SkillsRegistry {
  if (!options.store || !options.blobs || typeof options.authenticate !== "function") {
    throw new Error("[skills-registry] createSkillsRegistry needs `store`, `blobs` and `authenticate`");
  }
  const basePath = (options.basePath ?? "").replace(/\/+$/, "");
  const context: RegistryContext = {
    storage: createRegistryStorage(options.store, options.blobs),
    authenticate: options.authenticate,
    basePath,
  };
  const route = (handler: Handler) => (request: RouteRequest) => handler(request, context);
  const router = Router<RouteRequest>({
    base: basePath,
    catch: errorResponse,
    finally: [
      (response: Response | undefined) =>
        response ??
        errorResponse(new RegistryError(404, "not_found", "no such route in the skills registry")),
    ],
  });
  const wellKnown = "/:author/.well-known/agent-skills";
  router
    .get("/-/search", route(search))
    .get("/-/whoami", route(whoami))
    .get(`${wellKnown}/index.json`, route(discoveryIndex))
    .get(`${wellKnown}/:slug/.well-known/agent-skills/index.json`, route(discoveryIndex))
    .get(`${wellKnown}/:slug/SKILL.md`, route(discoverySkillMd))
    .get("/:author", route(listAuthor))
    .get("/:author/:slug", route(getPackage))
    .get("/:author/:slug/-/dist-tags", route(listTags))
    .put("/:author/:slug/-/dist-tags/:tag", route(addTag))
    .delete("/:author/:slug/-/dist-tags/:tag", route(removeTag))
    .post("/:author/:slug/-/deprecate", route(deprecate))
    .get("/:author/:slug/-/:file", route(getArchive))
    .get("/:author/:slug/:version", route(getVersion))
    .put("/:author/:slug/:version", route(publish))
    .delete("/:author/:slug/:version", route(unpublish));

  return {
    async fetch(request, ...rest) {
      // HEAD is GET without a body (discovery RFC asks servers for both); itty matches methods literally.
      if (request.method === "HEAD") {
        const asGet = new Request(request, { method: "GET" });
        markHeadRequest(asGet);
        const response = await router.fetch(asGet as RouteRequest, ...rest);
        return new Response(null, { status: response.status, headers: response.headers });
      }
      return router.fetch(request as RouteRequest, ...rest);
    },
  };
}
