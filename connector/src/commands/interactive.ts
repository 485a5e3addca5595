/**
 * `agent-mesh claude|codex|gemini --as <agent> [-- <args>]`: the full interactive agent CLI with the mesh tools
 * configured (`agent-mesh mcp --as <agent> --interactive`), the agent online as an interactive session while it
 * runs, and a short system prompt that tells the model the tools exist and to check its inbox.
 *
 * - Claude Code takes the MCP server on its command line (`--mcp-config`) and the prompt with
 *   `--append-system-prompt`.
 * - Codex takes it as `-c mcp_servers.mesh.*` overrides (runtime-configs.ts; `required`, so a server that cannot
 *   start says so at once) and the prompt as `developer_instructions`. Tool calls still ask the person, as in
 *   Claude; `-c mcp_servers.mesh.default_tools_approval_mode="approve"` after `--` allows them up front.
 * - Gemini reads MCP servers only from settings files: the session gets a home of its own whose settings add the
 *   server (gemini-session-home.ts). Gemini has no flag to add to its system prompt; the bridge's MCP
 *   instructions (check the inbox, acknowledge) reach the model instead, as Gemini loads them into its context.
 */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { resolveBinary } from "../agents/resolve-binary.ts";
import { CliError } from "../cli/errors.ts";
import { configHome, gatewaySettings, loadConfig } from "../config.ts";
import type { MeshServer } from "../mesh/agent-tools.ts";
import { codexMeshOverrides, geminiMeshEntry } from "../mesh/runtime-configs.ts";

const SYSTEM_PROMPT =
  "You are on the Agent Mesh as agent `{agent}`. Its tools (mcp__mesh__*) let you list agents, ask them, send " +
  "them messages, and read your own inbox. Other agents and people may write to you: call check_messages when " +
  "you start and between tasks, answer asks with reply, and acknowledge what you handled (ack_messages). An ask " +
  "with a task id is work queued for you: do it, then reply with the result (your reply is the task's result).";

export type Cli = "claude" | "codex" | "gemini";

const PACKAGES: Record<Cli, string> = {
  claude: "@anthropic-ai/claude-code",
  codex: "@openai/codex",
  gemini: "@google/gemini-cli",
};

/** Registers `agent-mesh <cli>` (claude.ts, codex.ts and gemini.ts each register theirs). */
export function registerInteractive(program: Command, cli: Cli): void {
  program
    .command(`${cli} [args...]`)
    .description(`start ${cli} interactively with the mesh tools, online as one of your agents`)
    .requiredOption("--as <agent>", "the agent of yours this session speaks as")
    .allowUnknownOption()
    .addHelpText("after", `\nExample:\n  agent-mesh ${cli} --as dev -- --model <model>`)
    .action(async (args: string[], options: { as: string }) => {
      process.exitCode = await startInteractive(cli, options.as, args ?? []);
    });
}

/** Variables a person may use instead of the config file; codex passes them to the server by name. */
const CREDENTIAL_VARS = ["AGENT_MESH_URL", "AGENT_MESH_TOKEN"];

async function startInteractive(cli: Cli, agent: string, extra: string[]): Promise<number> {
  gatewaySettings(loadConfig()); // Fails with a clear sentence when not logged in.
  const server: MeshServer = {
    command: process.execPath,
    args: [...process.execArgv, process.argv[1]!, "mcp", "--as", agent, "--interactive"],
    // Codex starts servers with a reduced environment: the config folder this session uses is named.
    env: { AGENT_MESH_HOME: configHome() },
  };
  const prompt = SYSTEM_PROMPT.replace("{agent}", agent);
  const binary = await resolveBinary(cli, { npmPackage: PACKAGES[cli] }).catch((error: Error) => {
    throw new CliError("adapter_missing", error.message);
  });
  if (cli === "claude") {
    const config = { mcpServers: { mesh: { type: "stdio", ...server } } };
    return run(binary, ["--mcp-config", JSON.stringify(config), "--append-system-prompt", prompt, ...extra]);
  }
  if (cli === "codex") {
    const mesh = codexMeshOverrides(server, CREDENTIAL_VARS, { approve: false });
    return run(binary, [...mesh, "-c", `developer_instructions=${JSON.stringify(prompt)}`, ...extra]);
  }
  const { geminiSessionHome } = await import("../mesh/gemini-session-home.ts");
  const session = await geminiSessionHome(geminiMeshEntry(server));
  try {
    return await run(binary, extra, { GEMINI_CLI_HOME: session.home });
  } finally {
    await session.close();
  }
}

/**
 * Runs the agent CLI in this terminal and waits for it, so cleanup still runs after it. Ctrl-C reaches the CLI
 * from the terminal itself (same process group): we only must not die of it. A closed terminal is passed on: when
 * we lead the terminal's session (started by tmux, `ssh host agent-mesh …`, or a terminal app without a shell) the
 * kernel tells only us, and the CLI would live on, keeping the agent online. A SIGTERM sent to us alone is passed
 * on too.
 */
async function run(binary: string, args: string[], env?: Record<string, string>): Promise<number> {
  const child = spawn(binary, args, { stdio: "inherit", env: env ? { ...process.env, ...env } : undefined });
  const ignore = () => {};
  const hangUp = () => child.kill("SIGHUP");
  const forward = () => child.kill("SIGTERM");
  process.on("SIGINT", ignore);
  process.on("SIGHUP", hangUp);
  process.on("SIGTERM", forward);
  try {
    return await new Promise<number>((resolve) => {
      child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      child.on("error", (error) => {
        process.stderr.write(`agent-mesh: ${binary} failed to start: ${error.message}\n`);
        resolve(1);
      });
    });
  } finally {
    process.off("SIGINT", ignore);
    process.off("SIGHUP", hangUp);
    process.off("SIGTERM", forward);
  }
}
