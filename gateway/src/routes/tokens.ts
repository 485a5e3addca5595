/** `/v1/tokens` (admin) and `/v1/me`. */
import { Hono } from "hono";
import * as v from "valibot";
import { requireAuth } from "../auth/middleware.ts";
import { DEFAULT_USER_SCOPES, SCOPES } from "../auth/scopes.ts";
import { ADMIN_TOKEN_ID, TOKEN_ID, type TokenRecord } from "../auth/tokens.ts";
import type { Caller } from "../domain/caller.ts";
import { ApiError, errors } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { readJson } from "../util/body.ts";
import { pageQuery } from "../util/pages.ts";

/** User names double as skill authors and appear in paths, so they are lowercase slugs. */
export const USER_NAME = /^[a-z0-9][a-z0-9_-]{0,38}$/;

const TOKEN_KINDS = ["user", "agent", "admin"] as const;

const TokenCreate = v.object({
  name: v.pipe(
    v.string(),
    v.regex(USER_NAME, "name must be a lowercase user name (letters, digits, - and _)"),
  ),
  // Each scope once; a token with none could do nothing but say who it is.
  scopes: v.optional(
    v.pipe(
      v.array(v.picklist(SCOPES)),
      v.minLength(1, `scopes must name at least one of ${SCOPES.join(", ")}`),
      v.transform((scopes) => [...new Set(scopes)]),
    ),
  ),
});

export const tokenRoutes = new Hono<GatewayEnv>()
  .get("/v1/me", requireAuth(), (c) => {
    const caller = c.get("caller");
    return c.json({
      user: caller.user,
      token_id: caller.tokenId,
      kind: caller.kind,
      scopes: caller.scopes,
      agent_id: caller.agentId,
    });
  })
  .post("/v1/tokens", requireAuth("admin"), async (c) => {
    const input = await readJson(c, TokenCreate);
    if (input.name === "admin") throw errors.invalidRequest("`admin` is reserved for the admin token.");
    const { token, record } = await c.get("services").tokens.mint({
      user: input.name,
      kind: "user",
      scopes: input.scopes ?? DEFAULT_USER_SCOPES,
    });
    return c.json(
      { id: record.id, name: record.user, scopes: record.scopes, token, created_at: record.created_at },
      201,
    );
  })
  .get("/v1/tokens", requireAuth("admin"), async (c) => {
    const { limit, cursor } = pageQuery(c, { fallback: 100, max: 1000, cursor: TOKEN_ID });
    const kinds = c.req.query("kind")?.split(",");
    if (kinds?.some((kind) => !TOKEN_KINDS.includes(kind as never))) {
      throw errors.invalidRequest(
        `kind must be one or more of ${TOKEN_KINDS.join(", ")}, separated by commas.`,
      );
    }
    const page = await c.get("services").tokens.page({
      limit,
      after: cursor,
      kinds: kinds as Array<(typeof TOKEN_KINDS)[number]> | undefined,
    });
    const revokedAt = await effectiveRevocations(page.tokens, (id) => c.get("services").tokens.get(id));
    return c.json({
      next_cursor: page.next,
      tokens: page.tokens.map((r) => ({
        id: r.id,
        name: r.user,
        kind: r.kind,
        scopes: r.scopes,
        agent_id: r.agent_id,
        parent_id: r.parent_id,
        created_at: r.created_at,
        revoked_at: revokedAt(r),
      })),
    });
  })
  .delete("/v1/tokens/:id", requireAuth(), async (c) => {
    const { tokens, hub } = c.get("services");
    const caller = c.get("caller");
    const id = c.req.param("id");
    const record = await tokens.get(id);
    // Only the admin may revoke anyone's; others see 404 for a token of another user, not 403.
    if (!record || (record.user !== caller.user && !caller.scopes.includes("admin")))
      throw errors.notFound("Token");
    if (id === ADMIN_TOKEN_ID)
      throw new ApiError(400, "invalid_request", "The admin token cannot be revoked.");
    if (!mayRevoke(caller, record)) {
      throw new ApiError(
        403,
        "forbidden",
        "This token may revoke only itself and the agent credentials redeemed from its tickets; revoke others with a token that has the `agents` scope.",
      );
    }
    await tokens.revoke(id);
    await hub.disconnectToken(id);
    return c.json({ id, revoked: true });
  });

/**
 * When each listed token stopped working: its own revocation, or for an agent credential its parent's (revoking a
 * token revokes the credentials its tickets minted, without writing them: `TokenService.verify` checks the parent).
 */
async function effectiveRevocations(
  listed: TokenRecord[],
  get: (id: string) => Promise<TokenRecord | null>,
): Promise<(record: TokenRecord) => string | null> {
  const parents = new Map<string, TokenRecord | null>(listed.map((record) => [record.id, record]));
  for (const { parent_id } of listed)
    if (parent_id && !parents.has(parent_id)) parents.set(parent_id, await get(parent_id));
  return (record) => {
    if (record.revoked_at) return record.revoked_at;
    if (!record.parent_id) return null;
    const parent = parents.get(record.parent_id);
    // A parent gone from the store leaves its credentials refused as revoked; no time to tell, so the credential's own.
    return parent === null ? record.created_at : (parent?.revoked_at ?? null);
  };
}

/**
 * Whether `caller` may revoke `record`, a token of its own user. An agent credential lives on the agent's machine and
 * a token with fewer scopes is often handed to a script: neither may cut off the account holder's other tokens (and
 * with them every connector). Each may revoke itself and what its tickets minted; a user token with the `agents`
 * scope (it manages the user's agents and their tickets) any token of its user.
 */
function mayRevoke(caller: Caller, record: TokenRecord): boolean {
  if (caller.scopes.includes("admin")) return true;
  if (record.id === caller.tokenId || record.parent_id === caller.tokenId) return true;
  return caller.kind === "user" && caller.scopes.includes("agents");
}
