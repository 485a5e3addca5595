/**
 * One-time connect tickets. The owner creates one (`POST /v1/agents/:ref/tickets`) and hands its URL to a machine;
 * the connector redeems it with `POST` (never `GET`, so link previews cannot burn it) for an agent credential.
 */
import { Hono } from "hono";
import { requireAuth } from "../auth/middleware.ts";
import { connectCommand } from "../connector-package.ts";
import { isOwner } from "../domain/agents.ts";
import { ApiError, errors } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { randomHex, sha256Hex } from "../util/crypto.ts";

interface TicketRecord {
  agent_id: string;
  user: string;
  parent_id: string;
  expires_at: string;
}

export const ticketRoutes = new Hono<GatewayEnv>()
  .post("/v1/agents/:ref/tickets", requireAuth("connect"), async (c) => {
    const { agents, store, config, connector } = c.get("services");
    const agent = await agents.resolve(c.get("caller"), c.req.param("ref"));
    if (c.get("caller").kind === "agent") throw errors.agentNotFound(c.req.param("ref"));
    if (!isOwner(c.get("caller"), agent)) throw errors.notYourAgent(c.req.param("ref"));
    const ticket = `amt_${randomHex(24)}`;
    const ttl = Math.ceil(config.ticketTtlMs / 1000);
    const expiresAt = new Date(Date.now() + ttl * 1000).toISOString();
    const record: TicketRecord = {
      agent_id: agent.id,
      user: agent.owner,
      parent_id: c.get("caller").tokenId,
      expires_at: expiresAt,
    };
    const hash = await sha256Hex(ticket);
    await store.set(`ticket:${hash}`, record, { ttl });
    // Outlives the ticket, so a late or second redemption can be told "used" or "expired" instead of "unknown".
    await store.set(`ticket-issued:${hash}`, expiresAt, { ttl: ttl + 24 * 3600 });
    const url = new URL(`/v1/tickets/${ticket}`, c.req.url).toString();
    // Only a gateway that can serve the connector names it: a command that 404s helps nobody.
    const command =
      connector && (await connector.bytes())
        ? connectCommand(new URL(c.req.url).origin, connector.fileName, url, agent.type)
        : undefined;
    return c.json(
      {
        ticket,
        url,
        expires_at: expiresAt,
        agent: { id: agent.id, name: agent.name, type: agent.type },
        command,
        // An exec agent's line lacks the program it runs, which only its owner knows.
        command_needs: agent.type === "exec" ? "-- <command> [args...]" : undefined,
      },
      201,
    );
  })
  .post("/v1/tickets/:ticket", async (c) => {
    const { store, tokens, agents } = c.get("services");
    const hash = await sha256Hex(c.req.param("ticket"));
    // `take` is atomic: of two concurrent redemptions exactly one gets the record.
    const record = await store.take<TicketRecord>(`ticket:${hash}`);
    if (!record) {
      const issued = await store.get<string>(`ticket-issued:${hash}`);
      if (!issued)
        throw new ApiError(
          404,
          "ticket_invalid",
          "This ticket is unknown. Check the URL or create a new one.",
        );
      if (Date.parse(issued) <= Date.now()) {
        throw new ApiError(
          410,
          "ticket_expired",
          "This ticket expired (tickets last 15 minutes). Create a new one.",
        );
      }
      throw new ApiError(
        409,
        "ticket_used",
        "This ticket was already redeemed. Create a new one for this machine.",
      );
    }
    const agent = await agents.getById(record.agent_id);
    if (!agent) throw errors.notFound("Agent");
    const { token, record: credential } = await tokens.mint({
      user: record.user,
      kind: "agent",
      // `call` too: an agent on the mesh asks other agents (mesh tools), always speaking as itself.
      scopes: ["connect", "call"],
      agent_id: agent.id,
      parent_id: record.parent_id,
    });
    return c.json({
      token,
      token_id: credential.id,
      agent: { id: agent.id, name: agent.name, type: agent.type },
      gateway_url: new URL("/", c.req.url).toString().replace(/\/$/, ""),
    });
  });
