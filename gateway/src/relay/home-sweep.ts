/**
 * What the home's one sweep checks, in place of a timer per socket and per request: each socket's hello deadline and
 * liveness (and its acks waiting to leave), each request's grace window, timeout and keepalive. Apart from
 * local-home.ts, whose per-frame path never runs it, and beside sweep-schedule.ts, which says when it is due.
 * @module
 */
import type { GatewayConfig } from "../config.ts";
import { CloseCode, LIVENESS_FACTOR } from "../protocol/index.ts";
import type { AgentSlot } from "./agent-slot.ts";
import type { AgentConnection } from "./connection.ts";
import type { RequestEndings } from "./request-endings.ts";
import { sweepEveryMs } from "./sweep-schedule.ts";

/** Runs the home's sweep every `sweepEveryMs(config)` while the process lives (Bun, Deno, Node). */
export function sweepOnInterval(
  home: { sweep(now: number): void },
  config: GatewayConfig,
): ReturnType<typeof setInterval> {
  const interval = setInterval(() => home.sweep(Date.now()), sweepEveryMs(config));
  // Deno and Node keep the process alive for an interval; the server keeps it alive anyway.
  (interval as { unref?: () => void }).unref?.();
  return interval;
}

/** Closes sockets past their hello deadline or silent past the liveness window; flushes the acks of the rest. */
export function sweepSockets(
  connections: Iterable<AgentConnection>,
  config: GatewayConfig,
  lose: (connection: AgentConnection, code: number, reason: string) => void,
  now: number,
): void {
  const liveness = config.heartbeatMs * LIVENESS_FACTOR;
  for (const connection of connections) {
    if (connection.state === "awaiting_hello" && now - connection.openedAt > config.helloTimeoutMs) {
      lose(connection, CloseCode.helloTimeout, "no hello before the deadline");
    } else if (connection.state === "open" && now - connection.lastFrameAt > liveness) {
      lose(connection, CloseCode.heartbeatTimeout, "no heartbeat");
    } else if (connection.state === "open") {
      connection.flushAcks();
    }
  }
}

/** Checks each request's deadlines, and forgets the slots of agents with neither a socket nor a request here. */
export function sweepRequests(slots: Map<string, AgentSlot>, endings: RequestEndings, now: number): void {
  for (const slot of slots.values()) {
    for (const pending of slot.pending.values()) endings.sweep(slot, pending, now);
    if (!slot.link && slot.pending.size === 0) slots.delete(slot.id);
  }
}
