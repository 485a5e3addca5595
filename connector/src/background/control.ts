/**
 * Background connectors: `start` spawns `agent-mesh connect --agent <alias>` detached with its output appended
 * to `logs/<alias>.log` and waits until it reports connected (or dies, showing the log's tail); `stop` sends
 * SIGTERM to the PID from the PID file, then SIGKILL if it is still alive a few seconds later.
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync } from "node:fs";
import { CliError } from "../cli/errors.ts";
import type { LocalAgent } from "../config.ts";
import { BIN_PATH } from "../package-root.ts";
import {
  clearRunFiles,
  ensureDirs,
  isConnectorProcess,
  logFile,
  readPid,
  readState,
  runningConnector,
} from "./process-state.ts";

const BIN = BIN_PATH;
/** Logs rotate to `<alias>.log.1` when they pass this size at start. */
const MAX_LOG_BYTES = 5 * 1024 * 1024;
const START_TIMEOUT_MS = 15_000;
export const STOP_GRACE_MS = 4_000;

export interface Started {
  pid: number;
  connected: boolean;
}

export async function startConnector(alias: string, agent: LocalAgent): Promise<Started> {
  const running = runningConnector(alias);
  if (running) throw new CliError("already_running", `${alias} is already running (pid ${running.pid}).`);
  ensureDirs();
  const log = logFile(alias);
  if (existsSync(log) && statSync(log).size > MAX_LOG_BYTES) renameSync(log, `${log}.1`);
  const offset = existsSync(log) ? statSync(log).size : 0;
  const fd = openSync(log, "a", 0o600);
  const child = spawn(process.execPath, [BIN, "connect", "--agent", alias], {
    cwd: agent.project,
    detached: true,
    stdio: ["ignore", fd, fd],
    env: process.env,
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.on("exit", (code) => {
    exited = code;
  });
  const pid = child.pid!;
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        const tail = readFileSync(log, "utf8").slice(offset).trim().split("\n").slice(-5).join("\n");
        throw new CliError("start_failed", `the connector for ${alias} exited (code ${exited}):\n${tail}`);
      }
      const state = readState(alias);
      if (state?.pid === pid && state.connected) return { pid, connected: true };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { pid, connected: false };
  } finally {
    child.unref();
  }
}

/** Stops the connector for `alias` by PID. Returns its PID, or undefined when none was running. */
export async function stopConnector(alias: string): Promise<number | undefined> {
  const pid = readPid(alias);
  if (!pid || !isConnectorProcess(pid)) {
    if (pid) clearRunFiles(alias, pid); // stale files from a crashed connector
    return undefined;
  }
  signal(pid, "SIGTERM");
  if (!(await exitedWithin(pid, STOP_GRACE_MS))) {
    signal(pid, "SIGKILL");
    await exitedWithin(pid, 2_000);
  }
  clearRunFiles(alias, pid);
  return pid;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function exitedWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isConnectorProcess(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isConnectorProcess(pid);
}
