/**
 * Counts the `fsync`/`fdatasync` calls a process makes while a measurement runs, with `perf stat` on the kernel's
 * syscall tracepoints (no ptrace, so the process is not slowed down). When perf or its tracepoints are not
 * available (no root, no tracefs) the count is null and the bench says so instead of guessing.
 */
import { spawn } from "node:child_process";

const EVENTS = ["syscalls:sys_enter_fdatasync", "syscalls:sys_enter_fsync"];

export interface SyncCounter {
  /** Stops counting; the number of sync calls since `start`, or null if perf could not count. */
  stop(): Promise<number | null>;
}

/** Starts counting the sync calls of `pid` (all its threads); resolves once perf is attached. */
export async function countSyncs(pid: number): Promise<SyncCounter> {
  const perf = spawn("perf", ["stat", "-x", ",", "-e", EVENTS.join(","), "-p", String(pid)], {
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
        if (!event || !EVENTS.includes(event) || !/^\d+$/.test(count ?? "")) continue;
        total += Number(count);
        seen++;
      }
      return seen === EVENTS.length ? total : null;
    },
  };
}
