/**
 * The chain of agents a call came through (`X-Agent-Mesh-Chain`): how the mesh stops an agent from calling itself
 * back, directly or round a loop, and calls from going deeper than `MAX_CALL_DEPTH` hops.
 */
import { ApiError } from "../errors.ts";
import type { AgentRecord } from "./agents.ts";

/** A call may be at most this many agent hops deep (a person → A → B → C → D). */
export const MAX_CALL_DEPTH = 4;

/**
 * The chain a call arrives with (`X-Agent-Mesh-Chain: ag_…,ag_…`, set by `agent-mesh mcp` from the
 * AGENT_MESH_CHAIN its agent was started with). Malformed ids are a 400; the chain only ever stops calls.
 */
export function chainFrom(header: string | undefined): string[] {
  if (!header) return [];
  const ids = header.split(",").map((id) => id.trim());
  if (ids.length > 16 || ids.some((id) => !/^ag_[0-9a-f]{16}$/.test(id)))
    throw new ApiError(
      400,
      "invalid_request",
      "X-Agent-Mesh-Chain must be a comma-separated list of agent ids.",
    );
  return ids;
}

/** The chain for a call to `agent`, or the refusal when it would loop or go too deep. */
export function extendChain(chain: string[] | undefined, agent: AgentRecord): string[] {
  if (!chain?.length) return [agent.id];
  if (chain.includes(agent.id)) {
    throw new ApiError(
      409,
      "call_loop",
      `Agent ${agent.name} is already working on a request further up this chain; it cannot be called back.`,
    );
  }
  if (chain.length >= MAX_CALL_DEPTH) {
    throw new ApiError(
      409,
      "call_depth_exceeded",
      `This call would be ${chain.length + 1} agents deep; the gateway allows ${MAX_CALL_DEPTH}.`,
    );
  }
  return [...chain, agent.id];
}
