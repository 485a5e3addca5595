/**
 * `agent-mesh claude|codex|gemini --as <agent> [-- <args>]`: the full interactive agent CLI with the mesh tools
 * configured (`agent-mesh mcp --as <agent> --interactive`), the agent online as an interactive session while it
 * runs, and a short system prompt that tells the model the tools exist and to check its inbox.
 *
 * Claude Code takes the MCP server on its command line (`--mcp-config`) and the prompt with
 * `--append-system-prompt`. Codex takes MCP servers as `-c mcp_servers.<name>.…` overrides; Gemini reads them only
 * from its settings file, so for Gemini we print the settings entry to add instead of starting it.
 */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { resolveBinary } from "../agents/resolve-binary.ts";
import { CliError } from "../cli/errors.ts";
import { gatewaySettings, loadConfig } from "../config.ts";

const SYSTEM_PROMPT =
  "You are on the Agent Mesh as agent `{agent}`. Its tools (mcp__mesh__*) let you list agents, ask them, send " +
  "them messages, and read your own inbox. Other agents and people may write to you: call check_messages when " +
  "you start and between tasks, answer asks with reply, and acknowledge what you handled (ack_messages).";

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

async function startInteractive(cli: Cli, agent: string, extra: string[]): Promise<number> {
  gatewaySettings(loadConfig()); // Fails with a clear sentence when not logged in.
  const self = [process.execPath, ...process.execArgv, process.argv[1]!];
  const mcpArgs = [...self.slice(1), "mcp", "--as", agent, "--interactive"];
  const prompt = SYSTEM_PROMPT.replace("{agent}", agent);
  let args: string[];
  if (cli === "claude") {
    const config = { mcpServers: { mesh: { type: "stdio", command: self[0], args: mcpArgs } } };
    args = ["--mcp-config", JSON.stringify(config), "--append-system-prompt", prompt, ...extra];
  } else if (cli === "codex") {
    const toml = (value: unknown) => JSON.stringify(value);
    args = [
      "-c",
      `mcp_servers.mesh.command=${toml(self[0])}`,
      "-c",
      `mcp_servers.mesh.args=${toml(mcpArgs)}`,
      "-c",
      `developer_instructions=${toml(prompt)}`,
      ...extra,
    ];
  } else {
    const entry = { mcpServers: { mesh: { command: self[0], args: mcpArgs } } };
    throw new CliError(
      "mcp_config_needed",
      `gemini reads MCP servers only from its settings; add this to ~/.gemini/settings.json, then run gemini:\n${JSON.stringify(entry, null, 2)}`,
    );
  }
  const binary = await resolveBinary(cli, { npmPackage: PACKAGES[cli] }).catch((error: Error) => {
    throw new CliError("adapter_missing", error.message);
  });
  const child = spawn(binary, args, { stdio: "inherit" });
  return await new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on("error", (error) => {
      process.stderr.write(`agent-mesh: ${cli} failed to start: ${error.message}\n`);
      resolve(1);
    });
  });
}
