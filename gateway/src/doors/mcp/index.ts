/**
 * The MCP door: `{gateway}/mcp`, Streamable HTTP for both MCP eras, authenticated with the caller's bearer token
 * (`call` scope), offering the mesh tools (tools.ts) over the call service. No OAuth: `/.well-known/oauth-*`
 * answers a JSON 404 and nothing advertises OAuth metadata.
 */
import { Hono } from "hono";
import { requireAuth } from "../../auth/middleware.ts";
import { chainFrom } from "../../domain/call-chain.ts";
import type { GatewayEnv } from "../../gateway-env.ts";
import { senderOf } from "../../routes/inbox.ts";
import { createGatewayMesh } from "./gateway-mesh.ts";
import { oauthNotSupported, requireAllowedOrigin } from "./guards.ts";
import { serveMcp } from "./lazy-serve.ts";

export const mcpDoor = new Hono<GatewayEnv>()
  .all("/.well-known/oauth-*", (c) => oauthNotSupported(c))
  .all("/mcp", requireAllowedOrigin(), requireAuth("call", { rateLimited: true }), async (c) => {
    const mesh = createGatewayMesh({
      services: c.get("services"),
      caller: c.get("caller"),
      origin: new URL(c.req.url).origin,
      // `X-Agent-Mesh-As: <agent>` (checked against the owner): the tools speak as that agent, with its inbox.
      sender: await senderOf(c),
      chain: chainFrom(c.req.header("x-agent-mesh-chain")),
    });
    return serveMcp(c, c.get("caller").tokenId, mesh);
  });
