/**
 * `connect --setup <ticket-url>`: trades a one-time ticket for an agent credential (`POST <url>`, never GET, so
 * link previews cannot burn it) and records the agent and its credential in the config.
 * @module
 */
import { createHash } from "node:crypto";
import { CliError } from "../cli/errors.ts";
import { GatewayApi } from "../cli/gateway-api.ts";
import { aliasFor, type LocalAgent, loadConfig, updateConfig } from "../config.ts";

interface Redeemed {
  token: string;
  token_id: string;
  agent: { id: string; name: string; type: string };
  gateway_url: string;
}

export async function redeemTicket(
  ticketUrl: string,
  local: Pick<LocalAgent, "project" | "type" | "command" | "args" | "permissionMode" | "maxConcurrent">,
): Promise<{ alias: string; agent: LocalAgent; gatewayUrl: string }> {
  const { url, ticket } = parseTicketUrl(ticketUrl);
  let redeemed: Redeemed;
  try {
    redeemed = await new GatewayApi(url.origin).json<Redeemed>("POST", url.pathname);
  } catch (error) {
    const saved = error instanceof CliError && error.code === "ticket_used" ? savedFrom(ticket) : undefined;
    if (saved) return saved;
    throw error;
  }
  const alias = aliasFor(redeemed.agent.name);
  const agent: LocalAgent = {
    ...local,
    id: redeemed.agent.id,
    name: redeemed.agent.name,
    type: local.type || redeemed.agent.type,
    token: redeemed.token,
    ticket,
    url: redeemed.gateway_url,
  };
  updateConfig((config) => {
    // A fresh machine learns its gateway from the ticket; a logged-in one keeps its own URL.
    config.url ??= redeemed.gateway_url;
    for (const [other, existing] of Object.entries(config.agents))
      if (existing.id === agent.id && other !== alias) delete config.agents[other];
    config.agents[alias] = agent;
  });
  return { alias, agent, gatewayUrl: redeemed.gateway_url };
}

/** The agent this machine saved when it redeemed `ticketUrl`, if it did. */
export function redeemedHere(ticketUrl: string): { alias: string; agent: LocalAgent } | undefined {
  return savedFrom(parseTicketUrl(ticketUrl).ticket);
}

/** The ticket URL, and the SHA-256 of its ticket (what the config keeps). */
function parseTicketUrl(ticketUrl: string): { url: URL; ticket: string } {
  let url: URL;
  try {
    url = new URL(ticketUrl);
  } catch {
    throw new CliError(
      "invalid_ticket_url",
      `"${ticketUrl}" is not a ticket URL (https://<gateway>/v1/tickets/amt_...).`,
    );
  }
  if (!/^https?:$/.test(url.protocol) || !/\/v1\/tickets\/[^/]+$/.test(url.pathname))
    throw new CliError(
      "invalid_ticket_url",
      `"${ticketUrl}" is not a ticket URL (https://<gateway>/v1/tickets/amt_...).`,
    );
  const secret = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  return { url, ticket: createHash("sha256").update(secret).digest("hex") };
}

/** The agent saved from the ticket whose SHA-256 is `ticket`. */
function savedFrom(ticket: string): { alias: string; agent: LocalAgent; gatewayUrl: string } | undefined {
  const config = loadConfig();
  for (const [alias, agent] of Object.entries(config.agents)) {
    if (agent.ticket === ticket && agent.token && agent.url) return { alias, agent, gatewayUrl: agent.url };
  }
  return undefined;
}
