/** The gateway's agent record as the CLI prints it. */
import type { AgentRecord } from "../../../../gateway/src/domain/agents.ts";
import type { GatewayApi } from "../../cli/gateway-api.ts";
import { dim, printTable } from "../../cli/output.ts";

/** What `GET /v1/agents/:ref` returns: the stored record plus presence (`mode`: absent from older gateways). */
export type AgentView = AgentRecord & { online: boolean; mode?: "served" | "interactive" | "offline" };

/** Online, and how: a person's interactive session is reached through its inbox, not a connector. */
const onlineText = (agent: AgentView): string =>
  !agent.online ? "no" : agent.mode === "interactive" ? "yes (session)" : "yes";

/** Every agent `GET /v1/agents` lists for `query` (its filters), following the pages. */
export const listAgents = (api: GatewayApi, query?: URLSearchParams): Promise<AgentView[]> =>
  api.everyPage<AgentView>("agents", query);

export function printAgent(agent: AgentView): void {
  const rows: [string, string][] = [
    ["id", agent.id],
    ["name", agent.name],
    ["owner", agent.owner],
    ["type", agent.type],
    ["visibility", agent.visibility],
    ["online", onlineText(agent)],
    ["capabilities", agent.capabilities.join(", ") || "-"],
    ["description", agent.description || "-"],
    ["last seen", agent.last_seen ?? "never"],
    ["created", agent.created_at],
  ];
  process.stdout.write(`${rows.map(([k, v]) => `${dim(k.padEnd(13))}${v}`).join("\n")}\n`);
}

export function printAgentTable(agents: AgentView[], empty: string): void {
  printTable(
    ["NAME", "ID", "TYPE", "OWNER", "VISIBILITY", "ONLINE", "CAPABILITIES"],
    agents.map((a) => [
      a.name,
      a.id,
      a.type,
      a.owner,
      a.visibility,
      onlineText(a),
      a.capabilities.join(",") || "-",
    ]),
    empty,
  );
}

/** Repeatable `--capability <c>` collector for commander. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
