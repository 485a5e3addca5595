/**
 * `/v1/agents/:ref/inbox`: an agent's durable inbox. Anyone who may call the agent can write to it; only its
 * owner (or the agent's own credential) reads, acknowledges and replies. Senders are verified: a user token may
 * act as one of its own agents with `X-Agent-Mesh-As: <agent>`; an agent credential always speaks as its agent.
 */
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import * as v from "valibot";
import { requireAuth } from "../auth/middleware.ts";
import { type AgentRecord, isOwner } from "../domain/agents.ts";
import type { Caller } from "../domain/caller.ts";
import { askUnanswered, INBOX_LIMITS, inboxMessageView, type Sender } from "../domain/inbox.ts";
import { ApiError, errors } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { readJson } from "../util/body.ts";

const SendBody = v.object({
  message: v.pipe(v.string(), v.minLength(1, "message must not be empty")),
});
const AckBody = v.object({
  ids: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.minLength(1), v.maxLength(100)),
});
const AskBody = v.object({
  message: v.pipe(v.string(), v.minLength(1, "message must not be empty")),
  timeout_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600)), 120),
});

/** The sender a request speaks as, from its credential (and `X-Agent-Mesh-As`, checked against the owner). */
export async function senderOf(c: Context<GatewayEnv>): Promise<Sender> {
  const caller = c.get("caller");
  const services = c.get("services");
  if (caller.kind === "agent" && caller.agentId) {
    const agent = await services.agents.getById(caller.agentId);
    return { user: caller.user, agent_id: caller.agentId, agent_name: agent?.name };
  }
  const as = c.req.header("x-agent-mesh-as");
  if (!as) return { user: caller.user };
  const agent = await services.agents.resolve(caller, as).catch(() => null);
  if (!agent || agent.owner !== caller.user) {
    throw new ApiError(403, "not_your_agent", `You can act only as your own agents; \`${as}\` is not one.`);
  }
  return { user: caller.user, agent_id: agent.id, agent_name: agent.name };
}

/** The inbox's agent, if the caller may read it (its owner, or its own credential); else 404. */
async function readableInbox(c: Context<GatewayEnv>): Promise<AgentRecord> {
  const caller: Caller = c.get("caller");
  const ref = c.req.param("ref") ?? "";
  const agent = await c.get("services").agents.resolve(caller, ref);
  const own = caller.kind === "agent" ? caller.agentId === agent.id : isOwner(caller, agent);
  if (!own) throw errors.agentNotFound(ref);
  return agent;
}

function intQuery(c: Context, name: string, fallback: number, max: number): number {
  const raw = c.req.query(name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw errors.invalidRequest(`${name} must be an integer from 0 to ${max}.`);
  return value;
}

/** Lets a request through only when its `:action` segment is `action`; any other is the app's 404, as before. */
function onlyAction(action: string): MiddlewareHandler<GatewayEnv> {
  return (c, next) => (c.req.param("action") === action ? next() : Promise.resolve(c.notFound()));
}

export const inboxRoutes = new Hono<GatewayEnv>()
  // Every door that puts work on an agent counts against the token's rate limit, the inbox and asks included.
  .post("/v1/agents/:ref/inbox", requireAuth("call", { rateLimited: true }), async (c) => {
    const { agents, inbox } = c.get("services");
    const to = await agents.resolve(c.get("caller"), c.req.param("ref"));
    const { message } = await readJson(c, SendBody);
    return c.json(await inbox.send(to, await senderOf(c), { text: message }), 201);
  })
  .get("/v1/agents/:ref/inbox", requireAuth(), async (c) => {
    const agent = await readableInbox(c);
    const limit = Math.max(1, intQuery(c, "limit", 20, 100));
    const waitSeconds = intQuery(c, "wait", 0, 30);
    const peek = c.req.query("peek");
    if (peek !== undefined && peek !== "true" && peek !== "false")
      throw errors.invalidRequest("peek must be true or false.");
    // peek=true looks without leasing: a person reading the inbox leaves the messages to the agent's reader.
    const leaseSeconds = peek === "true" ? 0 : Math.max(1, intQuery(c, "lease", 60, 3600));
    const deadline = Date.now() + waitSeconds * 1000;
    const { calls, inbox } = c.get("services");
    let offerAt = 0;
    for (;;) {
      // The agent's own reader (not a peek) gets its queued tasks too, as asks, when no connector serves it; a
      // long poll looks for new ones every 2 s, not at each of its 250 ms looks at the inbox.
      if (leaseSeconds > 0 && Date.now() >= offerAt) {
        await calls.offerTasksToSession(agent);
        offerAt = Date.now() + 2000;
      }
      const page = await inbox.fetch(agent.id, { limit, leaseSeconds });
      if (page.messages.length > 0 || Date.now() >= deadline || c.req.raw.signal.aborted)
        return c.json({ messages: page.messages.map(inboxMessageView), unread: page.unread });
      // Long-poll: the store is the truth on every runtime and node, so look again shortly.
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })
  .put("/v1/agents/:ref/inbox/presence", requireAuth(), async (c) => {
    const agent = await readableInbox(c);
    const { calls, inbox } = c.get("services");
    await inbox.markPresent(agent.id);
    // Tasks queued for the session show in its inbox within a beat, also while its model reads nothing.
    await calls.offerTasksToSession(agent);
    return c.json({
      agent_id: agent.id,
      online: true,
      mode: "interactive",
      ttl_seconds: INBOX_LIMITS.presenceTtlSeconds,
    });
  })
  .delete("/v1/agents/:ref/inbox/presence", requireAuth(), async (c) => {
    const agent = await readableInbox(c);
    await c.get("services").inbox.leave(agent.id);
    return c.json({ agent_id: agent.id, online: false });
  })
  // `/inbox/ack` is written as a parameter: a static segment beside `/inbox/:message_id/reply` is a shape Hono's
  // RegExpRouter refuses, which left every request of the gateway on the slower TrieRouter.
  .post("/v1/agents/:ref/inbox/:action", onlyAction("ack"), requireAuth(), async (c) => {
    const agent = await readableInbox(c);
    const { ids } = await readJson(c, AckBody);
    return c.json(await c.get("services").inbox.ack(agent.id, ids));
  })
  .post("/v1/agents/:ref/inbox/:message_id/reply", requireAuth(), async (c) => {
    const agent = await readableInbox(c);
    const { message } = await readJson(c, SendBody);
    const from = { user: c.get("caller").user, agent_id: agent.id, agent_name: agent.name };
    return c.json(await c.get("services").inbox.reply(agent, from, c.req.param("message_id"), message), 201);
  })
  .post("/v1/agents/:ref/asks", requireAuth("call", { rateLimited: true }), async (c) => {
    const { agents, inbox } = c.get("services");
    const to = await agents.resolve(c.get("caller"), c.req.param("ref"));
    const input = await readJson(c, AskBody);
    const from = await senderOf(c);
    const { ask, reply } = await inbox.ask(
      to,
      from,
      input.message,
      input.timeout_seconds * 1000,
      c.req.raw.signal,
    );
    if (!reply) throw askUnanswered(to, ask, input.timeout_seconds);
    return c.json({ ask_id: ask.id, reply });
  });

export { INBOX_LIMITS };
