/**
 * Where a running connector leaves its traces under the config folder: `run/<alias>.pid` (its PID),
 * `run/<alias>.json` (a small state file it rewrites as things change: connected, active requests, start
 * time) and `logs/<alias>.log`. `list`, `status` and `stop` read them; nothing here talks to the process.
 * @module
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configHome } from "../config.ts";

export interface ConnectorState {
  pid: number;
  alias: string;
  agent_id: string;
  agent_name: string;
  type: string;
  url: string;
  connected: boolean;
  active_requests: number;
  started_at: string;
  updated_at: string;
  /** Last status line (e.g. why it is disconnected). */
  last_status?: string;
}

export function runDir(): string {
  return join(configHome(), "run");
}

export function logDir(): string {
  return join(configHome(), "logs");
}

export function pidFile(alias: string): string {
  return join(runDir(), `${alias}.pid`);
}

export function stateFile(alias: string): string {
  return join(runDir(), `${alias}.json`);
}

export function logFile(alias: string): string {
  return join(logDir(), `${alias}.log`);
}

export function ensureDirs(): void {
  mkdirSync(runDir(), { recursive: true, mode: 0o700 });
  mkdirSync(logDir(), { recursive: true, mode: 0o700 });
}

export function writePid(alias: string, pid: number): void {
  ensureDirs();
  writeFileSync(pidFile(alias), `${pid}\n`, { mode: 0o600 });
}

export function writeState(state: ConnectorState): void {
  ensureDirs();
  const path = stateFile(state.alias);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
  renameSync(temp, path);
}

/** Removes the PID and state files, but only if they still belong to `pid` (a newer run may own them). */
export function clearRunFiles(alias: string, pid: number): void {
  if (readPid(alias) !== pid) return;
  rmSync(pidFile(alias), { force: true });
  rmSync(stateFile(alias), { force: true });
}

export function readPid(alias: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile(alias), "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function readState(alias: string): ConnectorState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(alias), "utf8")) as ConnectorState;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and (where /proc exists) is an agent-mesh connector, so a reused PID is ignored. */
export function isConnectorProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false; // a zombie is gone
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes("agent-mesh") && cmdline.includes("connect");
  } catch {
    return true; // no /proc (macOS): trust the PID file
  }
}

/** The connector running for `alias`, if any: its PID and latest state. */
export function runningConnector(
  alias: string,
): { pid: number; state: ConnectorState | undefined } | undefined {
  const pid = readPid(alias);
  if (!pid || !isConnectorProcess(pid)) return undefined;
  const state = readState(alias);
  return { pid, state: state?.pid === pid ? state : undefined };
}
