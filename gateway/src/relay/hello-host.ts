/**
 * The home's side of a hello (`HelloHost`, hello.ts): finding or making the agent's slot, and making the socket its
 * link, closing a socket it replaces. Apart from local-home.ts because a socket becomes its agent's link only here,
 * on a hello (or when a hibernating host wakes with it), never on the frame path.
 * @module
 */
import { CloseCode } from "../protocol/index.ts";
import { AgentSlot } from "./agent-slot.ts";
import type { AgentConnection } from "./connection.ts";
import type { HelloHost } from "./hello.ts";

/** `slots` and `connections` are the home's own, changed in place; the rest is passed through. */
export function createHelloHost(
  home: Omit<HelloHost, "slot" | "link"> & {
    slots: Map<string, AgentSlot>;
    connections: Set<AgentConnection>;
  },
): HelloHost {
  const { slots, connections } = home;
  return {
    options: home.options,
    delivery: home.delivery,
    slot(agentId: string): AgentSlot {
      let slot = slots.get(agentId);
      if (!slot) {
        slot = new AgentSlot(agentId);
        slots.set(agentId, slot);
      }
      return slot;
    },
    link(slot: AgentSlot, connection: AgentConnection): void {
      const previous = slot.link;
      slot.link = connection;
      connection.state = "open";
      if (previous && previous !== connection) {
        previous.close(CloseCode.replaced, "replaced by a newer connection");
        connections.delete(previous);
      }
    },
    lose: home.lose,
    expire: home.expire,
    seen: home.seen,
  };
}
