/** `/v1/agents`: create, list, show, update, delete; each agent reports `online` and `last_seen`. */
import { Hono } from "hono";
import { requireAuth } from "../auth/middleware.ts";
import { AgentCreate, type AgentRecord, AgentUpdate, isOwner } from "../domain/agents.ts";
import { errors } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import type { AgentHub } from "../relay/types.ts";
import { readJson } from "../util/body.ts";

export const agentRoutes = new Hono<GatewayEnv>()
  .post("/v1/agents", requireAuth("agents"), async (c) => {
    const input = await readJson(c, AgentCreate);
    const record = await c.var.services.agents.create(c.var.caller.user, input);
    return c.json(await withPresence(c.var.services.hub, record), 201);
  })
  .get("/v1/agents", requireAuth(), async (c) => {
    const { agents, hub } = c.var.services;
    const capability = c.req.query("capability");
    const onlineOnly = c.req.query("online") === "true";
    const q = c.req.query("q")?.toLowerCase();
    let records = await agents.list(c.var.caller);
    if (capability) records = records.filter((r) => r.capabilities.includes(capability));
    if (q) records = records.filter((r) => `${r.name}\n${r.description}`.toLowerCase().includes(q));
    const online = await hub.isOnline(records.map((r) => r.id));
    const views = records
      .map((r) => view(r, online.get(r.id) ?? false))
      .filter((r) => !onlineOnly || r.online)
      .sort((a, b) => a.name.localeCompare(b.name));
    return c.json({ agents: views });
  })
  .get("/v1/agents/:ref", requireAuth(), async (c) => {
    const record = await c.var.services.agents.resolve(c.var.caller, c.req.param("ref"));
    return c.json(await withPresence(c.var.services.hub, record));
  })
  .patch("/v1/agents/:ref", requireAuth("agents"), async (c) => {
    const { agents, hub } = c.var.services;
    const record = await agents.resolve(c.var.caller, c.req.param("ref"));
    if (!isOwner(c.var.caller, record)) throw errors.agentNotFound(c.req.param("ref"));
    const patch = await readJson(c, AgentUpdate);
    return c.json(await withPresence(hub, await agents.update(record, patch)));
  })
  .delete("/v1/agents/:ref", requireAuth("agents"), async (c) => {
    const { agents, hub } = c.var.services;
    const record = await agents.resolve(c.var.caller, c.req.param("ref"));
    if (!isOwner(c.var.caller, record)) throw errors.agentNotFound(c.req.param("ref"));
    await agents.remove(record);
    await hub.disconnectAgent(record.id);
    return c.json({ id: record.id, deleted: true });
  });

async function withPresence(hub: AgentHub, record: AgentRecord) {
  const online = await hub.isOnline([record.id]);
  return view(record, online.get(record.id) ?? false);
}

function view(record: AgentRecord, online: boolean) {
  return { ...record, online };
}
