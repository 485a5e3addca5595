/**
 * Runs the real `agent-mesh` CLI as a child process (`node connector/bin/agent-mesh.mjs`) with its own
 * AGENT_MESH_HOME and HOME, either to completion (`runCli`) or as a long-running process (`spawnCli`, for
 * `connect`). Every process and temp folder is cleaned up by `cleanupCli()` (PID-based, never by name),
 * including background connectors that `start` detached.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/gateway-process.ts";

export const BIN = join(ROOT, "connector/bin/agent-mesh.mjs");

const dirs: string[] = [];
const children: ChildProcess[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `agent-mesh-cli-${prefix}-`));
  dirs.push(dir);
  return dir;
}

/** A fresh machine: an empty config home and a HOME of its own. */
export function freshHome(): string {
  return tempDir("home");
}

export interface CliOptions {
  home: string;
  env?: Record<string, string>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cliEnv(options: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.AGENT_MESH_URL;
  delete env.AGENT_MESH_TOKEN;
  return { ...env, HOME: options.home, AGENT_MESH_HOME: join(options.home, ".agent-mesh"), ...options.env };
}

export function configDir(home: string): string {
  return join(home, ".agent-mesh");
}

/** Runs the CLI to completion. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? options.home,
    env: cliEnv(options),
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin!.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`agent-mesh ${args.join(" ")} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 25_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI and fails the test (with its output) unless it exits 0. */
export async function cliOk(args: string[], options: CliOptions): Promise<string> {
  const result = await runCli(args, options);
  if (result.code !== 0)
    throw new Error(`agent-mesh ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts a long-running CLI command (e.g. `connect`). */
export function spawnCli(args: string[], options: CliOptions): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? options.home,
    env: cliEnv(options),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let log = "";
  child.stdout!.on("data", (d: Buffer) => {
    log += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    output: () => log,
    exited,
    kill: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    },
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(log);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ${pattern} in the output of agent-mesh ${args.join(" ")}:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Starts `connect ...` and waits until it reports connected. */
export async function connect(args: string[], options: CliOptions): Promise<CliProcess> {
  const proc = spawnCli(["connect", ...args], options);
  await proc.waitFor(/connected as /);
  return proc;
}

/** Kills every process the tests started (and background connectors found in the homes), then removes temp dirs. */
export async function cleanupCli(): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
  }
  for (const dir of dirs) {
    const run = join(configDir(dir), "run");
    let files: string[] = [];
    try {
      files = readdirSync(run).filter((f) => f.endsWith(".pid"));
    } catch {
      continue;
    }
    for (const file of files) {
      const pid = Number(readFileSync(join(run, file), "utf8").trim());
      try {
        if (pid > 0) process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  // Retries: a process that was just stopped (an agent CLI in a terminal) may still be writing into its folder.
  for (const dir of dirs.splice(0))
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/** Creates a user on the gateway and logs a fresh home in as them. */
export async function loggedInHome(url: string, token: string): Promise<string> {
  const home = freshHome();
  await cliOk(["login", "--url", url, "--token", token], { home });
  return home;
}
