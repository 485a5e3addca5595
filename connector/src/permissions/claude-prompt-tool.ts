/**
 * Wires one Claude Code run to its caller for permission prompts: opens a relay channel whose handler asks the
 * caller, and returns the flags and environment that make Claude call it (`--mcp-config` naming the loopback MCP
 * endpoint, `--permission-prompt-tool`). The channel's secret travels in the environment only (Claude expands
 * `${AGENT_MESH_PROMPT_SECRET}` in the config's header), never in argv, which every local user can list.
 * Claude applies the owner's `--allowedTools` / `--disallowedTools` before it ever calls the tool.
 * @module
 */
import type { AgentChunk, PromptWithdrawFn } from "../agents/types.ts";
import { type AskFn, askCaller, DEFAULT_ASK_TIMEOUT_MS } from "./ask-caller.ts";

/** MCP server name in Claude's config; distinctive so a project's own `.mcp.json` cannot shadow it. */
const SERVER_NAME = "agent_mesh_prompts";
export const CLAUDE_PROMPT_TOOL = `mcp__${SERVER_NAME}__approve`;
const SECRET_ENV = "AGENT_MESH_PROMPT_SECRET";
/** The channel's URL, also in the environment so a process wrapper (the sandbox) can let this one port through. */
const URL_ENV = "AGENT_MESH_PROMPT_URL";

export interface CallerPromptOptions {
  /** How long the caller has to answer before the tool use is denied. Default 120 s. */
  timeoutMs?: number;
}

export interface ClaudePromptWiring {
  args: string[];
  env: Record<string, string>;
  /** Closes the channel (call when the run ends, whatever its outcome). */
  close(): void;
}

export async function wireClaudePrompts(
  ask: AskFn | undefined,
  run: { signal: AbortSignal; withdraw?: PromptWithdrawFn },
  emit: (chunk: AgentChunk) => void,
  options: CallerPromptOptions,
): Promise<ClaudePromptWiring> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
  // Loaded with the first run that relays prompts: the MCP server SDK it brings is most of what a connector would
  // otherwise load at start for every agent, prompts relayed or not.
  const { promptRelay } = await import("./relay-server.ts");
  const channel = await promptRelay.open(async (request) => {
    if (!ask) {
      // Run outside a gateway connection (no caller to ask): nobody can approve.
      return { behavior: "deny", message: "No caller is connected to approve this tool use." };
    }
    return askCaller(ask, request, { timeoutMs, signal: run.signal, emit, withdraw: run.withdraw });
  });
  const config = {
    mcpServers: {
      [SERVER_NAME]: {
        type: "http",
        url: channel.url,
        headers: { Authorization: `Bearer \${${SECRET_ENV}}` },
      },
    },
  };
  return {
    args: ["--mcp-config", JSON.stringify(config), "--permission-prompt-tool", CLAUDE_PROMPT_TOOL],
    env: { [SECRET_ENV]: channel.secret, [URL_ENV]: channel.url },
    close: () => channel.close(),
  };
}
