/**
 * The mesh server entry written the way each agent CLI takes its MCP configuration. Claude takes the
 * MeshServer as it is (`--mcp-config`, see agents/claude.ts); Codex and Gemini need it rendered:
 *
 * - Codex: `-c mcp_servers.mesh.*` overrides (TOML values). Codex starts MCP servers with a reduced
 *   environment and does not expand `${VAR}` in `env` values, so variables that change per run are named in
 *   `env_vars` (passed through from codex's own environment) instead. In `exec` an MCP tool call needs approval
 *   and the approval policy is "never", so the tools must be approved up front (`default_tools_approval_mode`).
 *   `exec` does not wait for optional servers (the first model call goes out without their tools), so the
 *   server is `required`: codex waits for it, and a mesh server that cannot start fails the turn with codex's
 *   own message (the owner can connect with --no-mesh-tools). Verified with codex 0.169.0.
 * - Gemini: a `mcpServers.mesh` settings entry; `trust: true` because headless Gemini drops tools that would
 *   need a confirmation. Gemini passes its own environment on to stdio servers, so the chain needs no entry.
 *   Verified with gemini 0.61.0.
 * @module
 */
import { MESH_CHAIN_VAR, type MeshServer } from "./agent-tools.ts";

/** How long a mesh tool call may take: a long `ask_agent` waits minutes for the other agent. */
export const MESH_TOOL_TIMEOUT_S = 900;

/**
 * A TOML value for a string, list of strings or flat table. JSON strings are TOML basic strings once DEL, which
 * JSON leaves raw and TOML forbids, is escaped too.
 */
function toml(value: string | string[] | Record<string, string>): string {
  const text = (item: string) => JSON.stringify(item).replaceAll("\x7f", "\\u007f");
  if (typeof value === "string") return text(value);
  if (Array.isArray(value)) return `[${value.map(text).join(",")}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${key}=${text(item)}`)
    .join(",")}}`;
}

/**
 * `-c key=value` pairs (flags included) that give codex the mesh server. `passEnv` names variables codex passes
 * through from its own environment (the chain; a person's AGENT_MESH_URL/TOKEN overrides). `approve: false`
 * leaves each tool call to codex's approval prompt (a person's session).
 */
export function codexMeshOverrides(
  mesh: MeshServer,
  passEnv: string[] = [MESH_CHAIN_VAR],
  options: { approve?: boolean } = {},
): string[] {
  // Placeholders like `${AGENT_MESH_CHAIN}` are Claude's syntax: codex gets the variable through env_vars.
  const fixed = Object.fromEntries(Object.entries(mesh.env).filter(([, value]) => !value.includes("${")));
  const entries: [string, string][] = [
    ["command", toml(mesh.command)],
    ["args", toml(mesh.args)],
    ["env", toml(fixed)],
    ["env_vars", toml(passEnv)],
    ["required", "true"],
    ["tool_timeout_sec", String(MESH_TOOL_TIMEOUT_S)],
  ];
  if (options.approve !== false) entries.push(["default_tools_approval_mode", toml("approve")]);
  return entries.flatMap(([key, value]) => ["-c", `mcp_servers.mesh.${key}=${value}`]);
}

export interface GeminiMcpEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
  trust: true;
  /** Milliseconds. */
  timeout: number;
}

/** The `mcpServers.mesh` entry of a Gemini settings file. */
export function geminiMeshEntry(mesh: MeshServer): GeminiMcpEntry {
  const env = Object.fromEntries(Object.entries(mesh.env).filter(([, value]) => !value.includes("${")));
  return { command: mesh.command, args: mesh.args, env, trust: true, timeout: MESH_TOOL_TIMEOUT_S * 1000 };
}
