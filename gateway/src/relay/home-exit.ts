/**
 * What a home does when its process is about to exit (SIGTERM): the `last_seen` stamp of every agent linked here,
 * as its socket's close would write it, and the sockets closed or left to close with the process. Apart from
 * local-home.ts because it runs once in a process's life, and beside presence-writes.ts, whose writes it waits for.
 * @module
 */
import { CloseCode } from "../protocol/index.ts";
import type { AgentSlot } from "./agent-slot.ts";
import type { AgentConnection } from "./connection.ts";
import type { PresenceWrites } from "./presence-writes.ts";

/**
 * Stamps every agent linked in `slots` and resolves once the store has those writes (a close event may come after
 * the store is shut). With `closeSockets` (a cluster node: each close hands its agent's presence over at once) every
 * socket is closed with 1001. Without, they are left to close with the process: the kernel closes 19,000 in a
 * fraction of the second Bun takes to send each a close frame (docs/capacity.md, Restart storms), and connectors
 * reconnect alike after a close frame (1001) or without one (1006).
 */
export async function stampAndCloseAtExit(
  presence: PresenceWrites,
  slots: Iterable<AgentSlot>,
  connections: Iterable<AgentConnection>,
  closeSockets: boolean,
): Promise<void> {
  const stamps = [presence.flush()];
  for (const slot of slots) {
    const identity = slot.link?.identity;
    if (identity) stamps.push(presence.closed(identity.agentId));
  }
  for (const connection of connections) {
    if (closeSockets) connection.close(CloseCode.goingAway, "gateway shutting down");
    else connection.state = "closed"; // frames that still arrive are ignored, as after a close
  }
  await Promise.all(stamps);
}
