/** `/v1/agents`: create, list, show, update, delete; each agent reports `online` and `last_seen`. */
import { Hono } from "hono";
import { requireAuth } from "../auth/middleware.ts";
import { agentFilter } from "../domain/agent-filter.ts";
import { AgentCreate, type AgentRecord, AgentUpdate, isOwner } from "../domain/agents.ts";
import type { CallService, Reachability } from "../domain/calls.ts";
import { errors } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { readJson } from "../util/body.ts";
import { extended } from "../util/extended.ts";
import { pageQuery } from "../util/pages.ts";

/** A `next_cursor`: the lowercase name of the last agent of a page. */
const CURSOR = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const agentRoutes = new Hono<GatewayEnv>()
  .post("/v1/agents", requireAuth("agents"), async (c) => {
    const input = await readJson(c, AgentCreate);
    const record = await c.get("services").agents.create(c.get("caller").user, input);
    return c.json(await withPresence(c.get("services").calls, record), 201);
  })
  .get("/v1/agents", requireAuth(), async (c) => {
    const { agents, calls } = c.get("services");
    const { limit, cursor } = pageQuery(c, { fallback: 100, max: 1000, cursor: CURSOR });
    const filter = agentFilter(
      {
        capability: c.req.query("capability"),
        text: c.req.query("q"),
        online: c.req.query("online") === "true",
      },
      calls,
    );
    const page = await agents.page(c.get("caller"), {
      limit,
      after: cursor,
      mine: c.req.query("mine") === "true",
      keep: filter.keep,
    });
    return c.json({
      agents: page.agents.map((r) => view(r, filter.reachOf(r))),
      next_cursor: page.next,
    });
  })
  .get("/v1/agents/:ref", requireAuth(), async (c) => {
    const record = await c.get("services").agents.resolve(c.get("caller"), c.req.param("ref"));
    return c.json(await withPresence(c.get("services").calls, record));
  })
  .patch("/v1/agents/:ref", requireAuth("agents"), async (c) => {
    const { agents, calls } = c.get("services");
    const record = await agents.resolve(c.get("caller"), c.req.param("ref"));
    if (!isOwner(c.get("caller"), record)) throw errors.notYourAgent(c.req.param("ref"));
    const patch = await readJson(c, AgentUpdate);
    return c.json(await withPresence(calls, await agents.update(record, patch)));
  })
  .delete("/v1/agents/:ref", requireAuth("agents"), async (c) => {
    const { agents, hub } = c.get("services");
    const record = await agents.resolve(c.get("caller"), c.req.param("ref"));
    if (!isOwner(c.get("caller"), record)) throw errors.notYourAgent(c.req.param("ref"));
    await agents.remove(record);
    await hub.disconnectAgent(record.id);
    return c.json({ id: record.id, deleted: true });
  });

async function withPresence(calls: CallService, record: AgentRecord) {
  const reach = await calls.reachability([record.id]);
  return view(record, reach.get(record.id) ?? "offline");
}

/** `online` is true for a connected connector or an interactive session; `mode` says which. */
function view(record: AgentRecord, reach: Reachability) {
  return extended(record, { online: reach !== "offline", mode: reach });
}
