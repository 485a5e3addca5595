/**
 * A tmux server on a private socket, for tests that drive an agent CLI in a real terminal. `stop()` ends the server
 * and waits until every process that ran in its panes has exited, so the caller can remove their folders: ending
 * the server only sends SIGHUP, and a CLI (with its MCP server children) may still be writing for a while after.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { processStat } from "./process-stat.ts";
import { waitFor } from "./wait.ts";

export interface PrivateTmux {
  run(...args: string[]): SpawnSyncReturns<string>;
  /** The session's screen and its scrollback (200 lines). */
  screen(session: string): string;
  /** Closes one session's terminal, as a person closing the window, and waits until its processes have exited. */
  close(session: string): Promise<void>;
  /** Ends the server; what has not exited 5 s after the hang-up is killed, so its folders can be removed. */
  stop(): Promise<void>;
}

export function privateTmux(socket: string): PrivateTmux {
  const run = (...args: string[]) => spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const panePids = (...target: string[]) =>
    run("list-panes", ...target, "-F", "#{pane_pid}")
      .stdout.split("\n")
      .map(Number)
      .filter((pid) => pid > 0);
  return {
    run,
    screen: (session) => run("capture-pane", "-p", "-t", session, "-S", "-200").stdout,
    async close(session) {
      const tree = descendantsOf(panePids("-t", session));
      run("kill-session", "-t", session);
      const survivors = await reap(tree, 10_000);
      if (survivors.length > 0)
        throw new Error(
          `${session}'s processes ${survivors.join(", ")} outlived its closed terminal by 10 s`,
        );
    },
    async stop() {
      const tree = descendantsOf(panePids("-a"));
      run("kill-server");
      await reap(tree, 5_000);
    },
  };
}

/** The given processes and all their descendants now, each with its start time (Linux /proc). */
function descendantsOf(roots: number[]): Map<number, string> {
  const children = new Map<number, number[]>();
  const started = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!(pid > 0)) continue;
    const stat = processStat(pid);
    if (!stat) continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
    started.set(pid, stat.started);
  }
  const found = new Map<number, string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    const start = started.get(pid);
    if (start === undefined || found.has(pid)) continue;
    found.set(pid, start);
    pending.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Waits up to graceMs for the processes to exit, then kills the rest and says which they were. */
async function reap(tree: Map<number, string>, graceMs: number): Promise<number[]> {
  const exited = await waitFor(() => running(tree).length === 0, { timeoutMs: graceMs }).then(
    () => true,
    () => false,
  );
  if (exited) return [];
  const survivors = running(tree);
  for (const pid of survivors) kill(pid);
  await waitFor(() => running(tree).length === 0, { timeoutMs: 5_000, what: "killed processes to exit" });
  return survivors;
}

function running(tree: Map<number, string>): number[] {
  return [...tree].filter(([pid, started]) => isRunning(pid, started)).map(([pid]) => pid);
}

/** Still running, and still the same process (a pid can be reused), not a zombie that writes nothing more. */
function isRunning(pid: number, started: string): boolean {
  const stat = processStat(pid);
  return stat !== undefined && stat.started === started && stat.state !== "Z";
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
