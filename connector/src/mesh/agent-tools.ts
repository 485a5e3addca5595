/**
 * The mesh tools for an agent the connector runs (claude, codex, gemini): an `agent-mesh mcp --as <agent>` stdio
 * server in the agent's MCP configuration (each CLI's own form: runtime-configs.ts), so an agent asked by a
 * caller can ask other agents, and the answer flows back. The server reads the connector's own config folder
 * for its credential (never a token on a command line or in the agent's environment), and passes on the chain
 * of calling agents (AGENT_MESH_CHAIN) so the gateway can stop loops.
 */
import { configHome } from "../config.ts";

/** The variable that carries the chain of calling agents into an agent's process and on to its mesh server. */
export const MESH_CHAIN_VAR = "AGENT_MESH_CHAIN";

export interface MeshServer {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** The stdio server entry acting as `agent`, started the way this CLI was started. */
export function meshServerFor(agent: string): MeshServer {
  const cli = process.env.AGENT_MESH_CLI || process.argv[1];
  if (!cli) throw new Error("[connector] cannot tell how this CLI was started (set AGENT_MESH_CLI)");
  return {
    command: process.execPath,
    args: [cli, "mcp", "--as", agent],
    // Claude and Codex start MCP servers with a reduced environment: name what the server needs.
    // `${AGENT_MESH_CHAIN}` is expanded by Claude from its own environment (set per request); codex and gemini
    // get the chain another way (runtime-configs.ts).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder for the agent CLI, not for us.
    env: { AGENT_MESH_HOME: configHome(), [MESH_CHAIN_VAR]: "${AGENT_MESH_CHAIN}" },
  };
}

/** The tool-name prefix Claude gives the server's tools (`--allowedTools mcp__mesh`). */
export const CLAUDE_MESH_TOOLS = "mcp__mesh";
