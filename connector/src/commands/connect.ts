/**
 * `agent-mesh connect [type] --agent <ref> [--project <dir>] [-- <command and args>]`: puts a local agent on
 * the gateway and stays connected. `--setup <ticket-url>` redeems a one-time ticket first (one command on a
 * fresh machine). Whatever is given is saved for the agent, so `connect --agent <ref>` (and `start`) later
 * reuse the type, project and command.
 * @module
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { runningConnector } from "../background/process-state.ts";
import { agentRef } from "../cli/context.ts";
import { CliError } from "../cli/errors.ts";
import { GatewayApi, segment } from "../cli/gateway-api.ts";
import {
  aliasFor,
  type Config,
  DEFAULT_MAX_CONCURRENT,
  findLocalAgent,
  gatewaySettings,
  type LocalAgent,
  loadConfig,
  updateConfig,
} from "../config.ts";
import { buildAdapter } from "../connection/build-adapter.ts";
import { redeemedHere, redeemTicket } from "../connection/redeem-ticket.ts";
import { runConnector } from "../connection/run-connector.ts";
import { createStatusLog } from "../connection/status-log.ts";
import { createAgentRuntime } from "../runtime/run-request.ts";
import { allowedHosts, parseAllowHost } from "../sandbox/network.ts";

interface Options {
  agent?: string;
  setup?: string;
  project?: string;
  permissionMode?: string;
  maxConcurrent?: string;
  chunks?: string;
  sandbox?: boolean;
  meshTools?: boolean;
  allowHost?: string[];
  askCaller?: boolean;
  askTimeout?: string;
  allowTool?: string[];
  denyTool?: string[];
}

/** What the command line asked for, before it is merged with the saved agent. */
interface Wanted {
  type?: string;
  command?: string;
  args?: string[];
  project?: string;
  permissionMode?: string;
  maxConcurrent?: number;
  chunks?: number;
  sandbox?: boolean;
  meshTools?: boolean;
  allowHosts?: string[];
  askCaller?: boolean;
  askTimeoutS?: number;
  allowTools?: string[];
  denyTools?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  program
    .command("connect")
    .description("connect a local agent to the gateway and stay connected")
    .argument("[type]", "echo, exec, claude, codex or gemini (default: the agent's saved type)")
    .argument("[command...]", "after --: the program to run (exec) or the agent binary and extra args")
    .option("--agent <ref>", "agent id, name or local alias")
    .option("--setup <ticket-url>", "redeem a one-time connect ticket, save it, and connect")
    .option("--project <dir>", "project the agent works in (default: the current directory)")
    .option("--permission-mode <mode>", "claude: --permission-mode; codex: sandbox; gemini: approval mode")
    .option("--max-concurrent <n>", "requests run at once by this connector")
    .option("--chunks <n>", "echo: stream each message n times, one chunk each (a load generator)")
    .option("--sandbox", "run every agent process in a sandbox (saved; docs/sandbox.md)")
    .option("--no-sandbox", "run agent processes unsandboxed (saved)")
    .option(
      "--no-mesh-tools",
      "claude, codex, gemini: no mesh tools for the agent (asking and messaging other agents)",
    )
    .option(
      "--allow-host <host>",
      "sandbox: a host the agent may reach besides its model API (repeatable, saved)",
      (value: string, previous: string[] = []) => [...previous, parseAllowHost(value)],
    )
    .option("--ask-caller", "claude: ask the caller to allow or deny each tool use that needs approval")
    .option("--no-ask-caller", "claude: stop asking the caller (tools needing approval are denied)")
    .option(
      "--ask-timeout <seconds>",
      "claude: seconds the caller has to answer before the tool use is denied (default 120)",
    )
    .option(
      "--allow-tool <rule>",
      'claude: allow a tool without asking, e.g. "Bash(git status)" (repeatable)',
      collect,
    )
    .option("--deny-tool <rule>", "claude: deny a tool without asking, e.g. WebFetch (repeatable)", collect)
    .addHelpText(
      "after",
      `
Examples:
  agent-mesh connect exec --agent upper -- tr a-z A-Z
  agent-mesh connect claude --agent reviewer --project ~/code/app --permission-mode acceptEdits
  agent-mesh connect claude --agent helper --ask-caller --allow-tool "Bash(git status)" --deny-tool WebFetch
  agent-mesh connect --setup https://gateway.example/v1/tickets/amt_...
  agent-mesh connect echo --agent bench --chunks 20000
  agent-mesh connect exec --agent probe --sandbox -- sh
  agent-mesh connect codex --agent coder --sandbox --allow-host proxy.internal:8443
  agent-mesh connect --agent reviewer          # reuse the saved type, project and command`,
    )
    .action(async (typeArg: string | undefined, rest: string[], options: Options, command: Command) => {
      const wanted = parseWanted(command, typeArg, rest, options);
      const { alias, agent, url, token, announce } = options.setup
        ? await fromTicket(options.setup, wanted)
        : await fromRef(options.agent, wanted);
      const status = createStatusLog();
      const log = status.now;
      const adapter = await buildAdapter(agent, log).catch((error: unknown) => {
        if (!options.setup || !(error instanceof CliError)) throw error;
        if (error.code === "missing_command") throw missingSetupCommand(true, agent.name);
        // The ticket is used by now and its credential kept: the same line works here once the binary is installed.
        if (error.code === "adapter_missing")
          throw new CliError(
            error.code,
            `${error.message} This machine kept the ticket's credential: once it is installed, run the same line again.`,
          );
        throw error;
      });
      const running = runningConnector(alias);
      if (running && running.pid !== process.pid) {
        throw new CliError(
          "already_running",
          `a connector for ${alias} is already running (pid ${running.pid}); stop it with \`agent-mesh stop ${alias}\`.`,
        );
      }
      const config = updateConfig((fresh) => {
        fresh.agents[alias] = agent;
      });
      const runtime = createAgentRuntime({
        agent: agent.id,
        adapter,
        projectDir: agent.project,
        maxConcurrent: agent.maxConcurrent ?? config.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
      });
      const offline = agent.sandbox && !allowedHosts(agent.type, process.env, agent.allowHosts ?? []).length;
      // With no host to allow, the sandbox has no network at all (no proxy that could report refused hosts).
      const confined = agent.sandbox
        ? `; sandboxed${offline ? " with no network (no host allowed: see --allow-host)" : ""} (docs/sandbox.md)`
        : "";
      log(
        `agent ${agent.name} (${agent.type}) in ${agent.project}; up to ${runtime.queue.maxConcurrent} at once${confined}`,
      );
      await runConnector({
        url,
        token,
        agent: announce,
        alias,
        agentName: agent.name,
        type: agent.type,
        runtime,
        log,
        logRequest: status.soon,
      });
    });
}

function parseWanted(
  command: Command,
  typeArg: string | undefined,
  rest: string[],
  options: Options,
): Wanted {
  // Commander puts everything after `--` among the operands; find out whether the type came before it.
  const raw = (command.parent as unknown as { rawArgs?: string[] })?.rawArgs ?? [];
  const dashes = raw.indexOf("--");
  const operands = [typeArg, ...rest].filter((value): value is string => value !== undefined);
  const passthrough = dashes === -1 ? [] : raw.slice(dashes + 1);
  const before = operands.slice(0, operands.length - passthrough.length);
  if (before.length > 1)
    throw new CliError("invalid_arguments", `unexpected "${before[1]}": put the command after \`--\`.`);
  const wanted: Wanted = {
    type: before[0],
    permissionMode: options.permissionMode,
    sandbox: options.sandbox,
    meshTools: options.meshTools === false ? false : undefined,
    allowHosts: options.allowHost,
    askCaller: options.askCaller,
    allowTools: options.allowTool,
    denyTools: options.denyTool,
  };
  if (options.askTimeout !== undefined) {
    const seconds = Number(options.askTimeout);
    if (!Number.isInteger(seconds) || seconds < 1)
      throw new CliError("invalid_option", "--ask-timeout must be a whole number of seconds.");
    wanted.askTimeoutS = seconds;
  }
  if (passthrough.length) {
    wanted.command = passthrough[0];
    wanted.args = passthrough.slice(1);
  }
  if (options.project) {
    wanted.project = resolve(options.project);
    if (!statSync(wanted.project, { throwIfNoEntry: false })?.isDirectory())
      throw new CliError("project_not_found", `project folder ${wanted.project} does not exist.`);
  }
  if (options.maxConcurrent !== undefined) {
    const n = Number(options.maxConcurrent);
    if (!Number.isInteger(n) || n < 1)
      throw new CliError("invalid_option", "--max-concurrent must be a positive integer.");
    wanted.maxConcurrent = n;
  }
  if (options.chunks !== undefined) {
    const n = Number(options.chunks);
    if (!Number.isInteger(n) || n < 1 || n > 10_000_000)
      throw new CliError("invalid_option", "--chunks must be a whole number from 1 to 10000000.");
    wanted.chunks = n;
  }
  return wanted;
}

interface Resolved {
  alias: string;
  agent: LocalAgent;
  url: string;
  token: string;
  /** Agent id to name in `hello` (only with a user token). */
  announce?: string;
}

/** Merges what was asked for over what was saved; a new type drops the old type's command. */
function merge(
  saved: Partial<LocalAgent>,
  wanted: Wanted,
  fallbackType: string,
): Omit<LocalAgent, "id" | "name"> {
  const type = wanted.type ?? saved.type ?? fallbackType;
  const keepCommand = type === saved.type && !wanted.command;
  const ifSameType = <T>(value: T | undefined) => (type === saved.type ? value : undefined);
  const merged = {
    ...saved,
    type,
    project: wanted.project ?? saved.project ?? process.cwd(),
    command: wanted.command ?? (keepCommand ? saved.command : undefined),
    args: wanted.command ? wanted.args : keepCommand ? saved.args : undefined,
    permissionMode: wanted.permissionMode ?? (type === saved.type ? saved.permissionMode : undefined),
    maxConcurrent: wanted.maxConcurrent ?? saved.maxConcurrent,
    chunks: wanted.chunks ?? (type === saved.type ? saved.chunks : undefined),
    sandbox: wanted.sandbox ?? saved.sandbox,
    meshTools: wanted.meshTools ?? saved.meshTools,
    allowHosts: wanted.allowHosts ?? saved.allowHosts,
    // Permission settings belong to the type they were set for; given ones replace the saved ones.
    askCaller: wanted.askCaller ?? ifSameType(saved.askCaller),
    askTimeoutS: wanted.askTimeoutS ?? ifSameType(saved.askTimeoutS),
    allowTools: wanted.allowTools ?? ifSameType(saved.allowTools),
    denyTools: wanted.denyTools ?? ifSameType(saved.denyTools),
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Omit<
    LocalAgent,
    "id" | "name"
  >;
}

async function fromTicket(ticketUrl: string, wanted: Wanted): Promise<Resolved> {
  // The line says the agent runs a command (`connect exec --setup …`): without it (and none saved here from this
  // ticket before), refuse before the ticket is used.
  if (wanted.type === "exec" && !wanted.command && !redeemedHere(ticketUrl)?.agent.command)
    throw missingSetupCommand(false);
  const { alias, agent } = await redeemTicket(ticketUrl, merge({}, wanted, ""));
  const full = { ...agent, ...merge(agent, wanted, agent.type) };
  return { alias, agent: full, url: connectUrl(loadConfig(), full), token: agent.token! };
}

async function fromRef(ref: string | undefined, wanted: Wanted): Promise<Resolved> {
  if (!ref) {
    throw new CliError(
      "missing_option",
      "say which agent: `agent-mesh connect <type> --agent <ref>` or `agent-mesh connect --setup <ticket-url>`.",
    );
  }
  const config = loadConfig();
  const found = findLocalAgent(config, ref);
  if (found?.[1].token) {
    // An agent credential from a ticket names its own agent; no user login needed.
    const [alias, saved] = found;
    const agent = { ...saved, ...merge(saved, wanted, saved.type) };
    return { alias, agent, url: connectUrl(config, agent), token: saved.token! };
  }
  const { url, token } = gatewaySettings(config);
  const api = new GatewayApi(url, token);
  const [record, me] = await Promise.all([
    api.get<{ id: string; name: string; type: string; owner: string }>(
      `/v1/agents/${segment(agentRef(config, ref))}`,
    ),
    api.get<{ user: string; kind: string }>("/v1/me"),
  ]);
  // Another user's public agent is visible, but the gateway would refuse the hello as a failed authentication,
  // and the connector would advise logging in again (and this machine would have saved the agent as its own).
  if (record.owner !== me.user && me.kind !== "admin") {
    throw new CliError(
      "not_your_agent",
      `agent ${record.name} belongs to ${record.owner}: you can connect only your own agents (\`agent-mesh agents create --name <name>\` makes one).`,
    );
  }
  const [alias, saved] = found ?? [aliasFor(record.name), {}];
  const agent: LocalAgent = { ...merge(saved, wanted, record.type), id: record.id, name: record.name };
  return { alias, agent, url, token, announce: record.id };
}

/** An exec agent's `--setup` line without the command to run: say how to finish it, and whether the ticket is used. */
function missingSetupCommand(redeemed: boolean, name?: string): CliError {
  const finish = "add `-- <command> [args...]` at the end of the line and run it again";
  return new CliError(
    "missing_command",
    redeemed
      ? `${name} is an exec agent: it needs the command that answers its callers. To connect it, ${finish} (this machine kept the credential, so the used ticket still works here), or run \`agent-mesh connect exec --agent ${name} -- <command>\`.`
      : `an exec agent needs the command that answers its callers: ${finish} (the ticket is not used yet).`,
  );
}

function connectUrl(config: Config, agent: LocalAgent): string {
  const url = process.env.AGENT_MESH_URL || agent.url || config.url;
  if (!url)
    throw new CliError("gateway_unknown", "no gateway URL: run `agent-mesh login` or set AGENT_MESH_URL.");
  return url.replace(/\/+$/, "");
}
