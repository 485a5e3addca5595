/**
 * Managing share links (owner only): `POST /v1/agents/:ref/shares`, `GET /v1/agents/:ref/shares`,
 * `DELETE /v1/shares/:id`. The secret is shown once, inside the returned `url`.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireAuth } from "../../auth/middleware.ts";
import type { RateLimit } from "../../config.ts";
import { isOwner } from "../../domain/agents.ts";
import { ApiError, errors } from "../../errors.ts";
import type { GatewayEnv } from "../../gateway-env.ts";
import { readJson } from "../../util/body.ts";
import { extended } from "../../util/extended.ts";
import { createShareService, SHARE_DEFAULT_TTL_SECONDS, SHARE_MAX_TTL_SECONDS, shareView } from "./shares.ts";

const ShareFields = v.object({
  label: v.optional(v.pipe(v.string(), v.maxLength(200, "label: at most 200 characters"))),
  expires_in: v.optional(
    v.pipe(
      v.number(),
      v.integer("expires_in: whole seconds"),
      v.minValue(1, "expires_in: at least 1 second"),
      v.maxValue(SHARE_MAX_TTL_SECONDS, `expires_in: at most ${SHARE_MAX_TTL_SECONDS} seconds (90 days)`),
    ),
  ),
  rate_limit: v.optional(
    v.pipe(
      v.number(),
      v.integer("rate_limit: requests per minute, a whole number"),
      v.minValue(1, "rate_limit: at least 1 request per minute"),
      v.maxValue(100_000),
    ),
  ),
  sessions: v.optional(v.boolean("sessions: true or false")),
});
// An array is an object to `v.object`: `[]` would make a link with every default.
const ShareCreate = v.pipe(
  v.custom<unknown>((input) => !Array.isArray(input), "the body must be a JSON object, not an array"),
  ShareFields,
);

/**
 * A link's own `rate_limit` can only lower the gateway's share limit (link.ts takes the stricter), so a higher one
 * is refused rather than stored and shown as if it applied.
 */
function checkRateLimit(rateLimit: number | undefined, gateway: RateLimit | null): void {
  if (rateLimit === undefined || gateway === null) return;
  const perMinute = Math.floor((gateway.limit * 60) / gateway.windowSeconds);
  if (rateLimit > perMinute)
    throw errors.invalidRequest(
      `rate_limit: at most ${perMinute} requests per minute, this gateway's limit for share links ` +
        `(${gateway.limit} per ${gateway.windowSeconds} s, AGENT_MESH_SHARE_RATE_LIMIT); a link's own limit can only lower it.`,
    );
}

const shareNotFound = (id: string) =>
  new ApiError(404, "share_not_found", `No share ${id} of an agent you own.`);

export const shareManagement = new Hono<GatewayEnv>()
  .post("/v1/agents/:ref/shares", requireAuth("agents"), async (c) => {
    const { calls, store, config } = c.get("services");
    const agent = await calls.resolveAgent(c.get("caller"), c.req.param("ref"));
    if (!isOwner(c.get("caller"), agent)) throw errors.notYourAgent(c.req.param("ref"));
    const input = await readJson(c, ShareCreate);
    checkRateLimit(input.rate_limit, config.shareRateLimit);
    const { secret, record } = await createShareService(store).create(agent, c.get("caller").user, {
      label: input.label,
      expiresInSeconds: input.expires_in ?? SHARE_DEFAULT_TTL_SECONDS,
      rateLimit: input.rate_limit,
      sessions: input.sessions,
    });
    c.header("cache-control", "no-store");
    return c.json(
      { ...shareView(record), url: `${new URL(c.req.url).origin}/s/${secret}/`, agent_name: agent.name },
      201,
    );
  })
  .get("/v1/agents/:ref/shares", requireAuth("agents"), async (c) => {
    const { calls, store } = c.get("services");
    const agent = await calls.resolveAgent(c.get("caller"), c.req.param("ref"));
    if (!isOwner(c.get("caller"), agent)) throw errors.notYourAgent(c.req.param("ref"));
    const shares = await createShareService(store).listOf(agent.id);
    return c.json({ shares: shares.map(shareView) });
  })
  .delete("/v1/shares/:id", requireAuth("agents"), async (c) => {
    const { agents, store } = c.get("services");
    const shares = createShareService(store);
    const id = c.req.param("id");
    const record = await shares.get(id);
    if (!record) throw shareNotFound(id);
    const agent = await agents.getById(record.agent_id);
    const allowed =
      record.created_by === c.get("caller").user ||
      c.get("caller").scopes.includes("admin") ||
      (agent !== null && isOwner(c.get("caller"), agent));
    if (!allowed) throw shareNotFound(id);
    // Revoking twice is no error, but the answer says so (the CLI prints "already revoked").
    return c.json(
      extended(shareView(await shares.revoke(record)), { already_revoked: Boolean(record.revoked_at) }),
    );
  });
