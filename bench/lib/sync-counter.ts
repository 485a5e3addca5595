/**
 * Counts the syncs a process makes while a measurement runs, with `perf stat` on the kernel's syscall tracepoints
 * (no ptrace, so the process is not slowed down): its `fsync`/`fdatasync` calls, and its writes to files it opened
 * with `O_DSYNC`, each of which is a sync of its own (the fs store's journal in sync mode `always` on Node and Bun,
 * `_journal-sync.ts`). When perf or its tracepoints are not available (no root, no tracefs) the count is null and
 * the bench says so instead of guessing.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";

const SYNC_EVENTS = ["syscalls:sys_enter_fdatasync", "syscalls:sys_enter_fsync"];
const WRITE_EVENT = "syscalls:sys_enter_pwrite64";
/** Linux's `O_DSYNC`, as /proc/<pid>/fdinfo prints a descriptor's flags (octal). */
const O_DSYNC = 0o10000;

export interface SyncCounter {
  /** Stops counting; the number of syncs since `start`, or null if perf could not count. */
  stop(): Promise<number | null>;
}

/** Starts counting the syncs of `pid` (all its threads); resolves once perf is attached. */
export async function countSyncs(pid: number): Promise<SyncCounter> {
  const through = writeThroughFds(pid);
  const events = through.length > 0 ? [...SYNC_EVENTS, WRITE_EVENT] : SYNC_EVENTS;
  // A filter applies to the event named just before it: only writes to those descriptors count.
  const filter = through.length > 0 ? ["--filter", through.map((fd) => `fd == ${fd}`).join(" || ")] : [];
  const perf = spawn("perf", ["stat", "-x", ",", "-e", events.join(","), ...filter, "-p", String(pid)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  perf.stderr.on("data", (data: Buffer) => {
    output += data.toString();
  });
  const exited = new Promise<void>((done) => {
    perf.once("exit", () => done());
    perf.once("error", () => done()); // not installed
  });
  // perf prints nothing until it stops; give it time to attach to every thread before the work starts.
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 500))]);
  return {
    async stop() {
      if (perf.exitCode === null && perf.pid !== undefined) perf.kill("SIGINT");
      await exited;
      let total = 0;
      let seen = 0;
      for (const line of output.split("\n")) {
        const [count, , event] = line.split(",");
        if (!event || !events.includes(event) || !/^\d+$/.test(count ?? "")) continue;
        total += Number(count);
        seen++;
      }
      // A journal reopened on another descriptor (after a compaction) took writes the filter did not count.
      if (writeThroughFds(pid).join() !== through.join()) return null;
      return seen === events.length ? total : null;
    },
  };
}

/**
 * The descriptors of `pid` open with `O_DSYNC` on a regular file, read from /proc when the count starts and again
 * when it stops. Empty where /proc cannot tell.
 */
function writeThroughFds(pid: number): number[] {
  const fds: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return fds;
  }
  for (const fd of entries) {
    try {
      if (!statSync(`/proc/${pid}/fd/${fd}`).isFile()) continue;
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"))?.[1];
      if (flags !== undefined && (Number.parseInt(flags, 8) & O_DSYNC) !== 0) fds.push(Number(fd));
    } catch {
      // closed meanwhile
    }
  }
  return fds;
}
