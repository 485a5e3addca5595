/**
 * A new user's machine: the connector tarball built from this checkout and installed with npm into an empty
 * folder, every command run with a fresh HOME and a PATH of system folders only (nothing of this repository on
 * PATH or NODE_PATH, and no package registry reachable: the install must need none). Processes are tracked and
 * killed by PID in `cleanup()`.
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { connectorFileName } from "../../gateway/src/connector-package.ts";
import { VERSION } from "../../gateway/src/version.ts";
import { ROOT } from "../helpers/gateway-process.ts";

export const TARBALL = join(ROOT, "connector/tarball", connectorFileName(VERSION));

const dirs: string[] = [];
const children: ChildProcess[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `agent-mesh-pkg-${prefix}-`));
  dirs.push(dir);
  return dir;
}

/** `npm run build:connector` (esbuild + npm pack) into connector/tarball. */
export function buildTarball(): void {
  execFileSync("npm", ["run", "--silent", "build:connector"], { cwd: ROOT, stdio: "pipe" });
}

/** The environment of a fresh machine: its own HOME, system PATH, no repository paths, no registry. */
export function cleanEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    HOME: home,
    PATH: [dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    // Nothing listens there: an install that needed the registry would fail.
    npm_config_registry: "http://127.0.0.1:9/",
    ...extra,
  };
}

export interface Machine {
  home: string;
  env: NodeJS.ProcessEnv;
}

export function freshMachine(): Machine {
  const home = tempDir("home");
  return { home, env: cleanEnv(home) };
}

export interface Installed extends Machine {
  bin: string;
  /** The installed package's folder. */
  packageDir: string;
}

/** `npm install <tarball>` into an empty folder on a fresh machine. */
export function installTarball(tarball = TARBALL): Installed {
  const machine = freshMachine();
  const prefix = tempDir("install");
  mkdirSync(prefix, { recursive: true });
  execFileSync("npm", ["install", "--prefix", prefix, tarball], { env: machine.env, stdio: "pipe" });
  return {
    ...machine,
    bin: join(prefix, "node_modules/.bin/agent-mesh"),
    packageDir: join(prefix, "node_modules/@agent-mesh/connector"),
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  pid: number;
  /** stdout and stderr interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

/**
 * Starts a command (`bash -c` when given a string: a pasted line) with the machine's environment, in a process
 * group of its own so that cleanup also stops what it spawned (npx → npm → node).
 */
export function start(command: string | string[], env: NodeJS.ProcessEnv, cwd: string): Running {
  const [file, ...args] = typeof command === "string" ? ["bash", "-c", command] : command;
  const child = spawn(file!, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(child);
  let log = "";
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    log += d.toString();
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    log += d.toString();
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    pid: child.pid!,
    output: () => log,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(log);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ${pattern} in the output of ${String(command)}:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Runs to completion. */
export async function run(command: string | string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  const proc = start(command, env, cwd);
  const timer = setTimeout(() => killGroup(proc.pid), 90_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Stops a started command and everything it spawned (its process group), by PID. */
export function killGroup(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export async function cleanup(): Promise<void> {
  for (const child of children.splice(0)) {
    const exited = new Promise((r) => child.once("exit", r));
    const running = child.exitCode === null && child.signalCode === null;
    killGroup(child.pid!); // also when the leader is gone: its children may still run
    if (running) await exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
