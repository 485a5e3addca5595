/**
 * A share link, `{gateway}/s/{secret}/`: `GET` the guide (Markdown), `POST messages` (the very same handling as
 * `/v1/agents/:ref/messages`), `GET tasks/:id`, and `mcp`, an MCP endpoint exposing the one agent as tools.
 * Every answer carries `Cache-Control: no-store`; the secret never reaches a log line (app.ts redacts paths).
 */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { RateLimit } from "../../config.ts";
import type { AgentRecord } from "../../domain/agents.ts";
import { taskView } from "../../domain/tasks.ts";
import { ApiError } from "../../errors.ts";
import type { GatewayEnv } from "../../gateway-env.ts";
import { handleMessage } from "../../routes/messages.ts";
import { createGatewayMesh } from "../mcp/gateway-mesh.ts";
import { oauthNotSupported, requireAllowedOrigin } from "../mcp/guards.ts";
import { serveMcp } from "../mcp/lazy-serve.ts";
import { MESH_TOOLS, type MeshToolDefinition } from "../mcp/tools.ts";
import { enforceRateLimit } from "../rate-limit.ts";
import { shareGuide } from "./guide.ts";
import { createShareService, type ShareRecord, shareCaller, shareSender } from "./shares.ts";

interface ShareEnv extends GatewayEnv {
  Variables: GatewayEnv["Variables"] & { share: ShareRecord; agent: AgentRecord; rate: RateLimit | null };
}

/** The stricter of the gateway's share limit and the link's own `rate_limit` (per minute). */
function rateOf(share: ShareRecord, gateway: RateLimit | null): RateLimit | null {
  if (!share.rate_limit) return gateway;
  const own = { limit: share.rate_limit, windowSeconds: 60 };
  if (!gateway) return own;
  return own.limit / own.windowSeconds < gateway.limit / gateway.windowSeconds ? own : gateway;
}

const shareAuth = createMiddleware<ShareEnv>(async (c, next) => {
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  const { store, agents, config } = c.get("services");
  const check = await createShareService(store).verify(c.req.param("secret") ?? "");
  if (check.status === "invalid")
    throw new ApiError(
      404,
      "share_not_found",
      "This share link is not valid; ask the agent's owner for a new one.",
    );
  if (check.status === "revoked")
    throw new ApiError(
      410,
      "share_revoked",
      "This share link was revoked; ask the agent's owner for a new one.",
    );
  if (check.status === "expired")
    throw new ApiError(
      410,
      "share_expired",
      `This share link expired at ${check.record.expires_at}; ask the agent's owner for a new one.`,
    );
  const agent = await agents.getById(check.record.agent_id);
  if (!agent) throw new ApiError(410, "share_revoked", "The agent behind this share link was deleted.");
  const rate = rateOf(check.record, config.shareRateLimit);
  await enforceRateLimit(store, `s:${check.record.id}`, rate, "share link");
  c.set("share", check.record);
  c.set("agent", agent);
  c.set("rate", rate);
  c.set("caller", shareCaller(check.record));
  await next();
});

/** A link reaches one agent and has no inbox of its own. */
const LINK_LESS = new Set(["broadcast", "check_messages", "reply", "ack_messages"]);
const SHARE_TOOLS = MESH_TOOLS.filter((tool) => !LINK_LESS.has(tool.name)) as MeshToolDefinition<never>[];

export const shareLinks = new Hono<ShareEnv>()
  .use("/s/:secret", shareAuth)
  .use("/s/:secret/*", shareAuth)
  .get("/s/:secret", (c) => c.redirect(`${c.req.path}/`, 308))
  .get("/s/:secret/", (c) => {
    const base = `${new URL(c.req.url).origin}/s/${c.req.param("secret")}/`;
    const text = shareGuide(base, c.get("agent"), c.get("share"), c.get("rate"));
    return c.body(text, 200, { "content-type": "text/markdown; charset=utf-8" });
  })
  // In a person's inbox (a link made with `sessions`) its holder is the link (`share.<id>`, its label), with no inbox.
  .post("/s/:secret/messages", (c) => {
    const share = c.get("share");
    return handleMessage(
      c,
      c.get("caller"),
      c.get("agent"),
      share.sessions ? async () => shareSender(share) : undefined,
    );
  })
  .get("/s/:secret/tasks/:id", async (c) => {
    const task = await c.get("services").calls.getTask(c.get("caller"), c.req.param("id"));
    return c.json(taskView(task));
  })
  .all("/s/:secret/.well-known/*", (c) => oauthNotSupported(c))
  .all("/s/:secret/mcp", requireAllowedOrigin(), (c) => {
    const agent = c.get("agent");
    const mesh = createGatewayMesh({
      services: c.get("services"),
      caller: c.get("caller"),
      origin: new URL(c.req.url).origin,
      onlyAgent: agent,
      reachesSessions: c.get("share").sessions === true,
      sender: shareSender(c.get("share")),
    });
    return serveMcp(c, c.get("caller").tokenId, mesh, {
      tools: SHARE_TOOLS,
      instructions:
        `Agent Mesh share link for the agent \`${agent.name}\`${agent.description ? ` (${agent.description})` : ""}. ` +
        `Use ask_agent with to="${agent.name}" to talk to it and wait for the answer (pass the returned session_id ` +
        "to continue); send_message queues longer work and returns a task_id for get_task / cancel_task.",
    });
  });
