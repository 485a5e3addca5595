/** Bearer authentication for HTTP routes: puts the verified `Caller` on the context. */
import { createMiddleware } from "hono/factory";
import type { Caller } from "../domain/caller.ts";
import { ApiError, errors } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import type { Scope } from "./scopes.ts";

export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/** Requires a valid, unrevoked token; with `scope`, also that scope (admin tokens pass every scope check). */
export function requireAuth(scope?: Scope) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw errors.unauthorized();
    const check = await c.get("services").tokens.verify(token);
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
    await next();
  });
}
