/**
 * Every connected agent holds one open file in the gateway process (its socket), so the open-files limit caps the
 * fleet one node can hold. Bun, Deno and Node raise their soft limit to the hard limit by themselves at start; the
 * hard limit is the operator's to set (docs/capacity.md). Read from Linux's /proc/self/limits; elsewhere the
 * limit is unknown and nothing is said.
 */
import { readFileSync } from "node:fs";

/** Below this many open files the gateway says at start how many agents fit. */
export const FLEET_NOTE_BELOW = 100_000;
/** Files the gateway keeps for itself: the listener, the store's journal and data files, clients of other nodes. */
const OWN_FILES = 100;

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

/** The start-up line for a limit that caps the fleet below `FLEET_NOTE_BELOW` agents, or null. */
export function openFilesNote(limit: OpenFilesLimit | null): string | null {
  if (!limit || limit.soft >= FLEET_NOTE_BELOW) return null;
  const agents = Math.max(0, limit.soft - OWN_FILES).toLocaleString("en-US");
  return `  Open files limit ${limit.soft.toLocaleString("en-US")} (hard ${limit.hard.toLocaleString("en-US")}): about ${agents} agents can connect to this node, one socket each. For a larger fleet raise the hard limit (docs/capacity.md).`;
}
