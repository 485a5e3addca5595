/**
 * Every process the benchmark starts goes through here, so each one can be stopped by its PID at the end, also
 * when a measurement throws or the run is interrupted. Commands run under `bash -c 'ulimit -n N; exec ...'` so the
 * PID we hold is the runtime itself (exec replaces the shell) and its open-file limit is raised.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface BenchProcess {
  name: string;
  pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first regex match in its output; rejects if it exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

const running = new Set<BenchProcess>();

/**
 * Open files allowed to benchmark children: the capacity run holds 100,000 sockets in one gateway. Raised here, for
 * bench processes only (root may raise the hard limit; others fall back to their hard limit), never in tests.
 */
export const FILE_LIMIT = 262_144;

/** The open-files limit bench children actually get (FILE_LIMIT, or the hard limit when it cannot be raised). */
export function childFileLimit(): number {
  const script = `ulimit -n ${FILE_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; ulimit -n`;
  const limit = Number(spawnSync("bash", ["-c", script], { encoding: "utf8" }).stdout.trim());
  return Number.isFinite(limit) ? limit : 1024;
}

export function startProcess(
  name: string,
  command: string[],
  env: Record<string, string> = {},
  fileLimit = FILE_LIMIT,
): BenchProcess {
  const quoted = command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" ");
  // `ulimit -n` cannot exceed the hard limit; fall back to the hard limit rather than failing.
  const script = `ulimit -n ${fileLimit} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${quoted}`;
  // Note: `ulimit -n N` sets soft and hard limit; as root that lifts the hard limit for this child only.
  const child: ChildProcess = spawn("bash", ["-c", script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const listeners = new Set<() => void>();
  const append = (data: Buffer) => {
    log += data.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));

  const proc: BenchProcess = {
    name,
    pid: child.pid!,
    output: () => log,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolveMatch, reject) => {
        const check = () => {
          const match = pattern.exec(log);
          if (!match) return;
          finish();
          resolveMatch(match);
        };
        const onExit = () => {
          finish();
          reject(new Error(`${name} exited (code ${child.exitCode}) before printing ${pattern}:\n${log}`));
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${log}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("exit", onExit);
        };
        listeners.add(check);
        child.once("exit", onExit);
        check();
      });
    },
    async stop() {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(proc);
  return proc;
}

/** Stops every process still running (end of run, failure or interrupt). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop()));
}

/** Last-resort cleanup when the orchestrator itself dies: SIGKILL by PID, synchronously. */
export function killAllNow(): void {
  for (const proc of running) {
    try {
      process.kill(proc.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

/** CPU time (user + system) a process used so far, in seconds, from /proc/<pid>/stat (clock ticks of 10 ms). */
export async function readCpuSeconds(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at ")": utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds of each of a process's threads, summed by kind: the thread the process started on is "main" (the
 * event loop on every runtime), the others go by their name without its number ("JITWorker", "HeapHelper"…).
 * A thread that ended between two readings is missing from the later one, so compare totals of kinds that live
 * as long as the process (the runtime's own helpers do).
 */
export async function readThreadCpuSeconds(pid: number): Promise<Map<string, number>> {
  const { readdir, readFile } = await import("node:fs/promises");
  const byKind = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      const [comm, stat] = await Promise.all([
        readFile(`/proc/${pid}/task/${tid}/comm`, "utf8"),
        readFile(`/proc/${pid}/task/${tid}/stat`, "utf8"),
      ]);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const kind = tid === String(pid) ? "main" : comm.trim().replace(/[\s#]*\d+$/, "");
      byKind.set(kind, (byKind.get(kind) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The thread ended while being read.
    }
  }
  return byKind;
}

/** Resident set size of a process in KiB, from /proc/<pid>/status. */
export async function readRssKb(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}
