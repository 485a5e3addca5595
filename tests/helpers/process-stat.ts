/** A process's state, parent and start time from /proc (Linux); undefined once it is gone. */
import { readFileSync } from "node:fs";

export interface ProcessStat {
  /** One letter: R running, S sleeping, Z zombie (exited, not yet reaped), … */
  state: string;
  ppid: number;
  /** Clock ticks after boot: with the pid, it names one process even when the pid is reused. */
  started: string;
}

export function processStat(pid: number): ProcessStat | undefined {
  try {
    // "pid (comm) state ppid ... starttime ...": comm may hold spaces and parentheses, so split after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state = "", ppid, ...rest] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state, ppid: Number(ppid), started: rest[17] ?? "" };
  } catch {
    return undefined; // gone, or exited while we looked
  }
}
