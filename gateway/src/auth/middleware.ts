/** Bearer authentication for HTTP routes: puts the verified `Caller` on the context. */
import type { MiddlewareHandler } from "hono";
import type { Caller } from "../domain/caller.ts";
import { enforceRateLimit } from "../doors/rate-limit.ts";
import { ApiError, errors } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import type { Scope } from "./scopes.ts";

export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

export interface AuthOptions {
  /** Also count the request against its token's limit (`AGENT_MESH_RATE_LIMIT`): every calling door does. */
  rateLimited?: boolean;
}

/**
 * Requires a valid, unrevoked token; with `scope`, also that scope (admin tokens pass every scope check); with
 * `rateLimited`, also room in the token's rate limit (429 `rate_limited` with `Retry-After`).
 *
 * Authentication and the rate limit are one layer, not two: on a call's path each middleware layer is an async
 * frame and an awaited `next`, and in the round-trip bench the second layer alone cost more latency than the
 * rate count it ran.
 *
 * @example
 * app.post("/v1/agents/:ref/messages", requireAuth("call", { rateLimited: true }), handler);
 */
export function requireAuth(scope?: Scope, options: AuthOptions = {}): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const services = c.get("services");
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw errors.unauthorized();
    const check = await services.tokens.verify(token);
    if (check.status === "revoked")
      throw new ApiError(401, "token_revoked", "This token was revoked; ask for a new one.");
    if (check.status !== "ok") throw errors.unauthorized();
    const record = check.record;
    const caller: Caller = {
      tokenId: record.id,
      user: record.user,
      kind: record.kind,
      scopes: record.scopes,
      agentId: record.agent_id,
    };
    if (scope && !caller.scopes.includes(scope) && !caller.scopes.includes("admin"))
      throw errors.forbidden(scope);
    c.set("caller", caller);
    if (options.rateLimited) {
      const { store, config } = services;
      const counted = enforceRateLimit(store, `t:${caller.tokenId}`, config.rateLimit, "token");
      if (counted) await counted;
    }
    await next();
  };
}
