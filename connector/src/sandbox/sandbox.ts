/**
 * `--sandbox`: every process of an agent runs inside `@anthropic-ai/sandbox-runtime` (bubblewrap, socat and
 * ripgrep on Linux; Seatbelt on macOS), with a per-caller policy passed on each call (`policy.ts`), a per-caller
 * HOME and TMPDIR (`caller-paths.ts`, `seed-home.ts`) and a per-run network allow list (`network.ts`) that the
 * runtime's proxy enforces. `startSandbox` fails closed: it runs `true` through a real sandbox first and refuses
 * (with the cause and the fix) when that does not work; `wrap` rejects rather than return an unconfined launch.
 * @module
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { SandboxManager } from "@anthropic-ai/sandbox-runtime";
import {
  AgentRunError,
  type ProcessSandbox,
  type SandboxedLaunch,
  type SandboxLaunch,
} from "../agents/types.ts";
import { configHome } from "../config.ts";
import { isLinkedEntry, STATE_DIR } from "../workspace/prepare.ts";
import { callerSandboxPaths } from "./caller-paths.ts";
import { assertPrerequisites, explainStartFailure, sandboxUnavailable } from "./diagnose.ts";
import { directLaunch } from "./direct-launch.ts";
import { allowedHosts } from "./network.ts";
import { callerFilesystemPolicy, isInside, programInstallDir } from "./policy.ts";
import { reportNetworkRefusals } from "./refusal-notices.ts";
import { callerEnv, seedCallerHome } from "./seed-home.ts";

export interface SandboxOptions {
  /** Adapter type: picks the default model API hosts. */
  agentType: string;
  /** The project the agent works in (must not be the home folder or above it). */
  projectDir: string;
  /** The owner's `--allow-host` entries, on top of the defaults. */
  allowHosts?: readonly string[];
  /** Where to report refused hosts (the connector's log); omitted → not reported. */
  log?: (line: string) => void;
}

/** The shell the runtime runs the command with inside the sandbox. */
const SHELL = "/bin/sh";

/** The runtime is a process-wide singleton: it is initialized once, with everything denied; each call adds its own. */
let runtimeReady: Promise<void> | undefined;

function initializeRuntime(): Promise<void> {
  runtimeReady ??= SandboxManager.initialize({
    network: { allowedDomains: [], deniedDomains: [] },
    filesystem: { denyRead: [], allowWrite: [], denyWrite: [] },
    // The runtime looks for files that must never be written (.bashrc, .git/hooks, …) below the connector's own
    // working directory on every wrap; no caller may write there anyway (writes go to its workspace, HOME and
    // TMPDIR only), so the shallowest search keeps that scan from costing every request.
    mandatoryDenySearchDepth: 1,
  }).catch((error: unknown) => {
    runtimeReady = undefined;
    throw sandboxUnavailable(`the sandbox runtime did not initialize (${(error as Error).message}).`);
  });
  return runtimeReady;
}

/** Checks, initializes and probes the sandbox; resolves only when a sandboxed command has really run. */
export async function startSandbox(options: SandboxOptions): Promise<AgentSandbox> {
  await assertPrerequisites();
  const owner = resolve(process.env.HOME || homedir());
  const project = resolve(options.projectDir);
  if (isInside(owner, project)) {
    throw sandboxUnavailable(
      `the project ${project} is the home folder or contains it, so the home folder's secrets could not be hidden; connect a project folder inside it instead.`,
    );
  }
  await initializeRuntime();
  const sandbox = new AgentSandbox(options);
  try {
    await sandbox.probe();
  } catch (error) {
    // Stop the runtime's proxies: a refused connector must be free to exit.
    runtimeReady = undefined;
    await SandboxManager.reset().catch(() => {});
    throw error;
  }
  if (options.log) reportNetworkRefusals(options.log);
  return sandbox;
}

export class AgentSandbox implements ProcessSandbox {
  readonly agentType: string;
  readonly allowHosts: readonly string[];

  constructor(options: SandboxOptions) {
    this.agentType = options.agentType;
    this.allowHosts = options.allowHosts ?? [];
  }

  async wrap(launch: SandboxLaunch): Promise<SandboxedLaunch> {
    const paths = await callerSandboxPaths(launch.cwd, launch.clientId);
    await seedCallerHome(paths.home, launch.env);
    const env = callerEnv(launch.env, paths.home, paths.tmp);
    await mkdir(env.CODEX_HOME as string, { recursive: true, mode: 0o700 });
    const privateDirs = privateFolders(launch.env);
    const hiddenProjectEntries = (await readdir(paths.project)).filter(
      (name) => name !== STATE_DIR && !isLinkedEntry(name),
    );
    // The program itself (and the node its launcher runs) stays readable even where it is installed in a hidden
    // place: the owner's home, or the project's node_modules.
    const hidden = [...privateDirs, ...hiddenProjectEntries.map((name) => join(paths.project, name))];
    const programDirs = [launch.command, nodeOnPath(env)]
      .map((program) => (program ? programInstallDir(program, hidden) : undefined))
      .filter((dir): dir is string => dir !== undefined);
    const filesystem = callerFilesystemPolicy({
      paths,
      privateDirs,
      programDirs,
      hiddenProjectEntries,
      readOnlyWorkspace: launch.readOnlyWorkspace,
    });
    // The proxy binds a connection to this run's allow list by this id: 128 random bits, as the runtime requires.
    const commandId = randomBytes(16).toString("base64url");
    const hosts = allowedHosts(this.agentType, launch.env, this.allowHosts);
    if (hosts.length) SandboxManager.registerCommandNetworkLists(commandId, { allowedDomains: hosts });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (hosts.length) SandboxManager.unregisterCommandNetworkLists(commandId);
      SandboxManager.cleanupAfterCommand();
    };
    try {
      // The runtime sets TMPDIR to a shared folder and exempts loopback from the proxy; inside there is no direct
      // network at all, so everything (the tests' loopback model servers too) must go through the proxy.
      const inner = `TMPDIR=${quote(paths.tmp)} NO_PROXY= no_proxy= exec ${[launch.command, ...launch.args].map(quote).join(" ")}`;
      // /bin/sh (dash on Debian) starts faster than bash.
      const { argv } = await SandboxManager.wrapWithSandboxArgv(
        inner,
        SHELL,
        { filesystem },
        undefined,
        launch.cwd,
        { commandId },
      );
      // The runtime hands a command back unchanged when it finds nothing to restrict: never run that.
      const confiner = process.platform === "darwin" ? "sandbox-exec" : "bwrap";
      if (!argv[0] || argv.at(-1) === inner || !argv.slice(1).join(" ").includes(confiner)) {
        throw new Error("the runtime returned the command without a sandbox around it");
      }
      // On Linux: bubblewrap without the host shell, and without the network relays when no host is allowed.
      const direct =
        process.platform === "linux" && argv[1] === "-c" && argv.length === 3
          ? directLaunch(argv[2]!, {
              shell: SHELL,
              network: hosts.length > 0,
              command: { script: inner, argv: [launch.command, ...launch.args], env: { TMPDIR: paths.tmp } },
            })
          : null;
      const [command, ...args] = direct ? [direct.command, ...direct.args] : argv;
      return { command: command!, args, env, release };
    } catch (error) {
      release();
      throw new AgentRunError(
        "adapter_failed",
        `the sandbox could not be set up for this run, so nothing was started: ${(error as Error).message}`,
      );
    }
  }

  /** Runs `true` through a real caller sandbox in a throwaway project; throws `sandbox_unavailable` if it fails. */
  async probe(): Promise<void> {
    const project = await mkdtemp(join(tmpdir(), "agent-mesh-sandbox-probe-"));
    const clientId = "0".repeat(32);
    const workspace = join(project, ".agent-mesh", "clients", clientId);
    try {
      await mkdir(workspace, { recursive: true });
      const launch = await this.wrap({
        command: "true",
        args: [],
        env: process.env,
        cwd: workspace,
        clientId,
      });
      try {
        const { code, stderr } = await runToExit(launch, workspace);
        if (code !== 0) throw sandboxUnavailable(explainStartFailure(stderr));
      } finally {
        launch.release();
      }
    } catch (error) {
      if (error instanceof AgentRunError) throw sandboxUnavailable(`${error.message}.`);
      throw error;
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  }
}

/** Folders no sandboxed process may read: the owner's and the agent's homes and the connector's config. */
function privateFolders(env: NodeJS.ProcessEnv): string[] {
  const folders = [
    process.env.HOME || homedir(),
    env.HOME,
    env.CODEX_HOME,
    env.CLAUDE_CONFIG_DIR,
    configHome(),
  ];
  return [...new Set(folders.filter((dir): dir is string => !!dir).map((dir) => resolve(dir)))];
}

/** The `node` a `#!/usr/bin/env node` launcher (codex, gemini) will run inside. */
function nodeOnPath(env: NodeJS.ProcessEnv): string | undefined {
  return (env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, "node"))
    .find((candidate) => existsSync(candidate));
}

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function runToExit(launch: SandboxedLaunch, cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(launch.command, launch.args, {
      cwd,
      env: launch.env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-4_096);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      resolvePromise({ code: null, stderr: error.message });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stderr });
    });
  });
}
