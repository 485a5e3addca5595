/**
 * When the home's one sweep must run: on an interval while the process lives (Bun, Deno, Node), or at the next
 * deadline for a host that sleeps between alarms (a Durable Object).
 */
import type { GatewayConfig } from "../config.ts";
import { LIVENESS_FACTOR } from "../protocol/index.ts";
import type { AgentSlot } from "./agent-slot.ts";
import type { AgentConnection } from "./connection.ts";

/** How often the sweep must run while requests are pending (keepalives, grace windows, timeouts). */
export function sweepEveryMs(config: GatewayConfig): number {
  const { heartbeatMs, graceMs, helloTimeoutMs, keepaliveMs } = config;
  return Math.max(25, Math.min(1000, Math.min(heartbeatMs, graceMs, helloTimeoutMs, keepaliveMs) / 4));
}

/**
 * When the sweep next has something to check, or null when nothing is watched (no sockets, no pending requests),
 * so an alarm-driven host can let itself sleep: each pending request's next deadline (grace, timeout, keepalive),
 * but at most `pendingWakeMs` apart so a host that evicts idle state (Workers hibernate after ~10 s) never does
 * so while requests live only in memory; idle sockets only need their hello deadline or liveness window.
 */
export function nextSweepAt(
  slots: Iterable<AgentSlot>,
  connections: Iterable<AgentConnection>,
  config: GatewayConfig,
  now: number,
  pendingWakeMs: number,
): number | null {
  let next = Number.POSITIVE_INFINITY;
  for (const slot of slots) {
    for (const pending of slot.pending.values())
      next = Math.min(next, pending.nextCheckAt(config.keepaliveMs));
    if (slot.pending.size > 0) next = Math.min(next, now + pendingWakeMs);
  }
  const liveness = config.heartbeatMs * LIVENESS_FACTOR;
  for (const connection of connections) {
    if (connection.state === "awaiting_hello")
      next = Math.min(next, connection.openedAt + config.helloTimeoutMs + 1);
    // "authenticating" too: its hello may finish after the host last asked, and liveness starts from it.
    else if (connection.state !== "closed") next = Math.min(next, connection.lastFrameAt + liveness + 1);
  }
  return Number.isFinite(next) ? next : null;
}
