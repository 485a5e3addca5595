/**
 * The web UI, served by the gateway itself on every runtime: `GET /` answers browsers with the app shell, the
 * hashed assets are cached forever, and unknown paths get an HTML page for browsers but the usual JSON error for
 * API clients (content negotiation on `Accept`).
 */
import { type Context, Hono } from "hono";
import { errorBody } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { WEB_ASSETS, type WebAsset } from "./assets.generated.ts";
import { PAGE_SECURITY_HEADERS, renderPage } from "./page.ts";

/** A browser navigation: it asks for HTML. API clients (curl's `*\/*`, fetch's default, JSON) do not. */
export function wantsHtml(accept: string | undefined): boolean {
  return accept?.includes("text/html") ?? false;
}

function serveAsset(asset: WebAsset, cache: string): Response {
  return new Response(asset.body, {
    headers: {
      "content-type": asset.type,
      "cache-control": cache,
      "x-content-type-options": "nosniff",
    },
  });
}

const IMMUTABLE = "public, max-age=31536000, immutable";
/** The app shell never changes while the process runs (its asset paths are fixed at build time). */
let shell: string | undefined;

export const webRoutes = new Hono<GatewayEnv>()
  .get("/", (c) => {
    if (!wantsHtml(c.req.header("accept"))) return jsonNotFound(c);
    shell ??= renderPage();
    return c.html(shell, 200, { ...PAGE_SECURITY_HEADERS, "cache-control": "no-cache" });
  })
  .get(WEB_ASSETS.js.path, () => serveAsset(WEB_ASSETS.js, IMMUTABLE))
  .get(WEB_ASSETS.css.path, () => serveAsset(WEB_ASSETS.css, IMMUTABLE))
  .get("/favicon.svg", () => serveAsset(WEB_ASSETS.favicon, "public, max-age=86400"))
  .get("/favicon.ico", () => serveAsset(WEB_ASSETS.favicon, "public, max-age=86400"));

function jsonNotFound(c: Context<GatewayEnv>): Response {
  return c.json(errorBody("not_found", `No route ${c.req.method} ${new URL(c.req.url).pathname}.`), 404);
}

/** The gateway's 404: a small HTML page for browser navigations, the JSON error for everyone else. */
export function notFound(c: Context<GatewayEnv>): Response {
  if (c.req.method === "GET" && wantsHtml(c.req.header("accept"))) {
    return c.html(renderPage({ notFound: new URL(c.req.url).pathname }), 404, PAGE_SECURITY_HEADERS);
  }
  return jsonNotFound(c);
}
