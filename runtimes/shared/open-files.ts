/**
 * Every connected agent holds one open file in the gateway process (its socket), so the open-files limit caps the
 * fleet one node can hold. Bun, Deno and Node raise their soft limit to the hard limit by themselves at start; the
 * hard limit is the operator's to set (docs/capacity.md). Read from Linux's /proc/self/limits; elsewhere the
 * limit is unknown and nothing is said.
 */
import { readFileSync } from "node:fs";

/** Below this many open files the gateway says at start how many agents fit. */
export const FLEET_NOTE_BELOW = 100_000;
/**
 * Files kept back from agents: the runtime's own (Deno holds about 25 before serving anything), the listener,
 * callers' connections, the store's journal and data files, Redis clients. A quarter of the limit, at least 64 and
 * at most 1,000.
 */
const reserveOf = (soft: number): number => Math.min(1000, Math.max(64, Math.floor(soft / 4)));

export interface OpenFilesLimit {
  soft: number;
  hard: number;
}

/** The `Max open files` line of a /proc/<pid>/limits text; `unlimited` reads as Infinity. */
export function parseOpenFilesLimit(limits: string): OpenFilesLimit | null {
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (!match) return null;
  const value = (text: string) => (text === "unlimited" ? Number.POSITIVE_INFINITY : Number(text));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

export function openFilesLimit(): OpenFilesLimit | null {
  try {
    return parseOpenFilesLimit(readFileSync("/proc/self/limits", "utf8"));
  } catch {
    return null; // not Linux, or /proc is not mounted
  }
}

/**
 * The default of `AGENT_MESH_MAX_AGENTS`: the soft limit less the files kept back; null (no cap) when the limit is
 * unknown or unlimited.
 */
export function agentCapacity(limit: OpenFilesLimit | null): number | null {
  if (!limit || !Number.isFinite(limit.soft)) return null;
  return Math.max(1, limit.soft - reserveOf(limit.soft));
}

/**
 * The start-up line for a limit that caps the fleet below `FLEET_NOTE_BELOW` agents, or null. With
 * `AGENT_MESH_MAX_AGENTS` set (`maxAgents`), the operator chose the cap: only one above what the limit allows is
 * worth a line, since agents past it would take the files callers need.
 */
export function openFilesNote(limit: OpenFilesLimit | null, maxAgents?: string): string | null {
  const n = (value: number) => value.toLocaleString("en-US");
  if (maxAgents) {
    const chosen = Number(maxAgents);
    const room = agentCapacity(limit);
    if (room === null || !Number.isInteger(chosen) || chosen <= room) return null;
    return `  AGENT_MESH_MAX_AGENTS=${n(chosen)} is more than the open-files limit (${n(limit!.soft)}) leaves room for: past about ${n(room)} agents, callers may find no file to connect with. Raise the limit (docs/capacity.md) or lower the cap.`;
  }
  if (!limit || limit.soft >= FLEET_NOTE_BELOW) return null;
  return `  Open files limit ${n(limit.soft)} (hard ${n(limit.hard)}): this node takes at most ${n(agentCapacity(limit)!)} agents, one socket each, keeping ${n(reserveOf(limit.soft))} files for callers and storage. For a larger fleet raise the hard limit (docs/capacity.md); AGENT_MESH_MAX_AGENTS sets the cap itself.`;
}
