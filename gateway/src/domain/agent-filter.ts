/**
 * The filters of an agent listing (`GET /v1/agents`, MCP `list_agents` and `broadcast`): a capability, a text in
 * the name or description, online only. They run while a page fills (AgentService.page's `keep`), so a page is
 * full even when they drop agents, and presence is read once per batch that passes the others.
 */
import type { AgentRecord } from "./agents.ts";
import type { CallService, Reachability } from "./calls.ts";

export interface AgentFilter {
  capability?: string;
  /** Case-insensitive, in the name or the description. */
  text?: string;
  online?: boolean;
}

export interface AgentFilterRun {
  keep(batch: AgentRecord[]): Promise<AgentRecord[]>;
  /** Presence of the agents kept so far (read while filtering, so the views need no second read). */
  reachOf(agent: AgentRecord): Reachability;
}

export function agentFilter(filter: AgentFilter, calls: CallService): AgentFilterRun {
  const text = filter.text?.toLowerCase();
  const reach = new Map<string, Reachability>();
  return {
    async keep(batch) {
      let kept = batch;
      if (filter.capability) kept = kept.filter((r) => r.capabilities.includes(filter.capability!));
      if (text) kept = kept.filter((r) => `${r.name}\n${r.description}`.toLowerCase().includes(text));
      for (const [id, state] of await calls.reachability(kept.map((r) => r.id))) reach.set(id, state);
      return filter.online ? kept.filter((r) => (reach.get(r.id) ?? "offline") !== "offline") : kept;
    },
    reachOf: (agent) => reach.get(agent.id) ?? "offline",
  };
}
