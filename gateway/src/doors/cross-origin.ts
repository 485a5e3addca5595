/**
 * CORS for the pages `util/origins.ts` allows, on every route: a browser app on such a page can call the API, the
 * MCP and A2A doors and share links with a bearer token it holds, read the answers and the headers it needs (a
 * live call's request id to stop it, an MCP session id, `Retry-After`). Other pages get no CORS headers, so their
 * browser neither sends their preflighted requests nor shows them an answer. No cookies are involved (the
 * gateway's credentials are bearer tokens a page must be given), so no `Allow-Credentials`.
 */

import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../gateway-env.ts";
import { isAllowedOrigin } from "../util/origins.ts";

const EXPOSED = [
  "x-agent-mesh-request-id",
  "retry-after",
  "location",
  "mcp-session-id",
  "mcp-protocol-version",
  "a2a-version",
];

export function crossOrigin() {
  const answer = cors({
    origin: (origin, c) => (isAllowedOrigin(origin, c.get("services").config.allowedOrigins) ? origin : null),
    exposeHeaders: EXPOSED,
    // A preflight names the headers it wants (authorization, content-type, last-event-id, ...): they are allowed.
    maxAge: 600,
  });
  // Requests from programs carry no `Origin`: they skip it (it would build headers on every call).
  return createMiddleware<GatewayEnv>((c, next) => (c.req.header("origin") ? answer(c, next) : next()));
}
