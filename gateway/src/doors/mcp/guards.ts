/**
 * What the MCP doors check and answer without the MCP SDK: the `Origin` of browser requests, and the OAuth
 * discovery paths clients probe before they fall back to a static header.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../../errors.ts";
import type { GatewayEnv } from "../../gateway-env.ts";
import { isAllowedOrigin } from "../../util/origins.ts";

/**
 * A present `Origin` must name an allowed page (util/origins.ts): browsers send it, MCP clients do not, so a wrong
 * one means a web page (or a DNS-rebinding attack) is trying to use the endpoint.
 */
export function requireAllowedOrigin() {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined) {
      if (!isAllowedOrigin(origin, c.get("services").config.allowedOrigins)) {
        throw new ApiError(
          403,
          "origin_forbidden",
          `Origin ${JSON.stringify(origin)} may not use this MCP endpoint; the gateway operator can allow its host with AGENT_MESH_ALLOWED_ORIGINS.`,
        );
      }
    }
    await next();
  });
}

/** `/.well-known/oauth-*`: we do not do OAuth; say so in JSON so clients fall back to their static headers. */
export function oauthNotSupported(c: Context): Response {
  return c.json(
    {
      error: {
        code: "oauth_not_supported",
        message:
          "This gateway does not do OAuth. Send `Authorization: Bearer <token>`, or use a share link's MCP URL, which needs no header.",
      },
    },
    404,
  );
}
