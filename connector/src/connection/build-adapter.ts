/**
 * Turns a local agent's saved settings into an adapter and checks it can run here (binary present), so a
 * missing `claude` or a mistyped exec command fails at connect time with a message saying what to install.
 * `--permission-mode` is the owner's choice, passed to each runtime's own flag: Claude `--permission-mode`,
 * Codex `-s` (sandbox), Gemini `--approval-mode`. Nothing is ever loosened by default.
 * @module
 */
import { ADAPTER_TYPES, type AgentAdapter, AgentRunError, createAdapter } from "../agents/index.ts";
import { CliError } from "../cli/errors.ts";
import type { LocalAgent } from "../config.ts";
import { meshServerFor } from "../mesh/agent-tools.ts";
import { claudePermissionOptions } from "../permissions/connect-settings.ts";

/** The agent CLIs that take an MCP configuration, so get the mesh tools (runtime-configs.ts). */
const MESH_TOOL_TYPES = new Set(["claude", "codex", "gemini"]);

const PERMISSION_MODES: Record<string, readonly string[]> = {
  claude: ["default", "acceptEdits", "plan", "dontAsk", "bypassPermissions"],
  codex: ["read-only", "workspace-write", "danger-full-access"],
  gemini: ["default", "auto_edit", "yolo", "plan"],
};

export async function buildAdapter(agent: LocalAgent, log?: (line: string) => void): Promise<AgentAdapter> {
  if (!(ADAPTER_TYPES as readonly string[]).includes(agent.type)) {
    throw new CliError(
      "unknown_agent_type",
      `unknown agent type "${agent.type}"; use one of ${ADAPTER_TYPES.join(", ")}.`,
    );
  }
  if (agent.type === "exec" && !agent.command) {
    throw new CliError(
      "missing_command",
      `the exec adapter needs a command: agent-mesh connect exec --agent ${agent.name} -- <command> [args...]`,
    );
  }
  if (agent.chunks !== undefined && agent.type !== "echo")
    throw new CliError("invalid_option", `--chunks is for the echo adapter, not ${agent.type}.`);
  const mode = agent.permissionMode;
  if (mode) {
    const allowed = PERMISSION_MODES[agent.type];
    if (!allowed?.includes(mode)) {
      throw new CliError(
        "invalid_permission_mode",
        allowed
          ? `--permission-mode for ${agent.type} is one of ${allowed.join(", ")}.`
          : `the ${agent.type} adapter takes no --permission-mode.`,
      );
    }
  }
  const base = { command: agent.command, args: agent.args };
  const options: Record<string, unknown> = { ...base, ...claudePermissionOptions(agent.type, agent) };
  if (agent.sandbox) {
    if (agent.type === "echo") {
      throw new CliError(
        "invalid_option",
        "the echo agent runs no process: --sandbox applies to exec, claude, codex and gemini.",
      );
    }
    // Fails closed: refuses to connect unless a sandboxed command has really run (docs/sandbox.md). Loaded
    // only here: the sandbox runtime is a large module that no other command needs at start-up.
    const { startSandbox } = await import("../sandbox/sandbox.ts");
    options.processSandbox = await startSandbox({
      agentType: agent.type,
      projectDir: agent.project,
      allowHosts: agent.allowHosts,
      log,
    });
  }
  if (MESH_TOOL_TYPES.has(agent.type) && agent.meshTools !== false) {
    if (agent.sandbox) {
      // The mesh server reads the connector's config folder for its credential, which the sandbox hides.
      log?.(
        "mesh tools are off inside the sandbox (the agent cannot reach its credential); see docs/sandbox.md",
      );
    } else {
      options.meshTools = meshServerFor(agent.id);
    }
  }
  if (agent.type === "claude") options.permissionMode = mode;
  if (agent.type === "codex") options.sandbox = mode;
  if (agent.type === "gemini") {
    options.approvalMode = mode;
    options.projectDir = agent.project;
  }
  if (agent.type === "echo" && agent.chunks) options.chunks = agent.chunks;
  try {
    const adapter = createAdapter(agent.type, options);
    await adapter.check();
    return adapter;
  } catch (error) {
    if (!(error instanceof AgentRunError)) throw error;
    // The adapters speak of their `command` option; on the command line that is what follows `--`.
    const onTheCommandLine =
      error.code === "adapter_missing" && agent.type !== "exec" && !agent.command
        ? ` On the command line its path goes after \`--\`: \`agent-mesh connect ${agent.type} --agent ${agent.name} -- /path/to/${agent.type}\`.`
        : "";
    throw new CliError(error.code, `${error.message}${onTheCommandLine}`);
  }
}
