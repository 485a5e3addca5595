/**
 * After a connector (re)connects: which of the requests it still holds the gateway waits for (resume them from
 * the gateway's last seq), which the gateway gave up on (drop), and which the gateway waits for but the connector
 * no longer holds (lost: it restarted).
 */
import type { AgentSlot } from "./agent-slot.ts";
import type { PendingRequest } from "./pending.ts";

export interface HeldMatch {
  resume: ReadonlyArray<{ id: string; seq: number }>;
  drop: readonly string[];
  lost: readonly PendingRequest[];
}

/** A connector that holds nothing, for an agent with nothing in flight here: most connects. Never written to. */
const NOTHING_HELD: HeldMatch = Object.freeze({
  resume: Object.freeze([]),
  drop: Object.freeze([]),
  lost: Object.freeze([]),
});

/** Adds `reattached` (durable tasks found in the store) to the slot's requests, then matches them against `held`. */
export function matchHeldRequests(
  slot: AgentSlot,
  held: Array<{ id: string }>,
  reattached: PendingRequest[],
): HeldMatch {
  if (held.length === 0 && reattached.length === 0 && slot.pending.size === 0) return NOTHING_HELD;
  for (const request of reattached) {
    if (!slot.pending.has(request.call.requestId)) slot.track(request);
  }
  const pending = slot.pending;
  const resume: Array<{ id: string; seq: number }> = [];
  const drop: string[] = [];
  const heldIds = new Set<string>();
  for (const { id } of held) {
    heldIds.add(id);
    const request = pending.get(id);
    if (request) {
      request.graceDeadline = null;
      resume.push({ id, seq: request.lastSeq });
    } else {
      drop.push(id);
    }
  }
  const lost = [...pending.values()].filter((request) => !heldIds.has(request.call.requestId));
  return { resume, drop, lost };
}
