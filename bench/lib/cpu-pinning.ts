/**
 * Pins the processes of a latency measurement to fixed CPUs for its duration. A sequential round trip wakes three
 * processes in turn (caller, relay, agent); left to the scheduler, where they land decides more than the code does:
 * on a 2-core VM the same floor's p50 read 0.21 ms and 0.48 ms in two runs, and a gateway "beat" its floor by 18%.
 * Pinned, every relay measured in a run gets the same placement: the relays on one CPU, the caller and the agents
 * on others. Needs `taskset` (util-linux) and two CPUs; without them nothing is pinned, and the run's notes say so.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

interface Plan {
  caller: string;
  relays: string;
  agents: string;
}

function plan(): Plan | string {
  const cpus = availableParallelism();
  if (spawnSync("taskset", ["-V"]).status !== 0) return "no taskset";
  if (cpus < 2) return "one CPU";
  return { caller: "0", relays: "1", agents: cpus >= 3 ? "2" : "0" };
}

/** For the run's notes: where latency measurements place their processes. */
export function latencyPlacement(): string {
  const p = plan();
  if (typeof p === "string") return `not pinned to CPUs (${p})`;
  return `pinned with taskset: the caller on CPU ${p.caller}, the relays on CPU ${p.relays}, the agents on CPU ${p.agents}`;
}

/**
 * Pins the caller (this process), the relays and the agents; the returned function gives this process back the
 * CPUs it had. Read before pinning: `availableParallelism()` follows this process's own mask, so once pinned it
 * says 1, and a restore built from it left the bench (and every process it started later) on CPU 0.
 */
export function pinForLatency(relayPids: number[], agentPids: number[]): () => void {
  const p = plan();
  if (typeof p === "string") return () => {};
  const own = `0-${availableParallelism() - 1}`;
  const restore = () => {
    if (!pin(process.pid, own)) throw new Error("taskset could not give the bench its CPUs back");
  };
  const pinned =
    pin(process.pid, p.caller) &&
    relayPids.every((pid) => pin(pid, p.relays)) &&
    agentPids.every((pid) => pin(pid, p.agents));
  if (!pinned) throw new Error("taskset could not pin the bench's processes");
  return restore;
}

/** All threads of the process, those it starts later included (they inherit the mask). */
function pin(pid: number, cpus: string): boolean {
  return spawnSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" }).status === 0;
}
