/**
 * A connector's `hello`, from its first frame to `welcome`: agree on a protocol version, check the token, find
 * the requests the connector still holds (tasks from the store, a cluster's shared log), make the socket its
 * agent's link, tell the connector what to resume and what to drop, then deliver its queued tasks.
 */
import { CloseCode, type HelloFrame, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from "../protocol/index.ts";
import type { AgentSlot } from "./agent-slot.ts";
import { authenticateHello } from "./authenticate-hello.ts";
import type { AgentConnection } from "./connection.ts";
import type { LocalHomeOptions } from "./home-options.ts";
import type { PendingRequest } from "./pending.ts";
import { matchHeldRequests } from "./resume.ts";
import { loadTaskBacklog, reattachHeldTasks, type TaskDeliveryContext } from "./task-delivery.ts";

/** The parts of the home a hello works with. */
export interface HelloHost {
  options: LocalHomeOptions;
  delivery: TaskDeliveryContext;
  /** The agent's slot, created if the sweep dropped it (or it never existed). */
  slot(agentId: string): AgentSlot;
  /** Makes `connection` the slot's link; a socket it replaces is closed and forgotten. */
  link(slot: AgentSlot, connection: AgentConnection): void;
  /** Closes a socket for a protocol reason and forgets it. */
  lose(connection: AgentConnection, code: number, reason: string): void;
  /** A request the agent no longer has: failed, or a task back in the queue. */
  expire(slot: AgentSlot, pending: PendingRequest, why: string): void;
  /** The agent's `last_seen` is stale: written now or with the next sweep. */
  seen(agentId: string): void;
}

export async function welcome(
  host: HelloHost,
  connection: AgentConnection,
  frame: HelloFrame,
): Promise<void> {
  const { options } = host;
  const { config } = options;
  connection.state = "authenticating";
  const protocol = Math.min(frame.protocol.max, PROTOCOL_VERSION);
  if (protocol < Math.max(frame.protocol.min, MIN_PROTOCOL_VERSION)) {
    return host.lose(
      connection,
      CloseCode.versionUnsupported,
      `gateway speaks protocol ${MIN_PROTOCOL_VERSION}-${PROTOCOL_VERSION}; upgrade the connector`,
    );
  }
  const resolved = await authenticateHello(frame, connection.agentHint, options);
  if ("close" in resolved) return host.lose(connection, resolved.close, resolved.reason);
  if (connection.isClosed) return; // The socket went away while we were checking its token.
  const { agent, tokenId, parentTokenId } = resolved;
  connection.identity = {
    agentId: agent.id,
    agentName: agent.name,
    tokenId,
    parentTokenId,
    protocol,
    maxInflight: frame.max_inflight ?? config.maxInflightPerAgent,
  };
  if (options.beforeLink) {
    // Before linking, so nothing can be delivered to this socket while the host is still busy with it.
    await options.beforeLink(connection);
    // The host refused it, or it went away meanwhile: a claim the host took for it is given back.
    if (connection.isClosed) return options.onUnlinked?.(connection.identity);
  }
  const held = frame.inflight ?? [];
  const reattached: PendingRequest[] = [];
  try {
    if (held.length > 0)
      reattached.push(...(await reattachHeldTasks(host.slot(agent.id), held, host.delivery)));
    if (options.adoptHeld) {
      const known = new Set(reattached.map((pending) => pending.call.requestId));
      const pending = host.slot(agent.id).pending;
      const unknown = held.filter(({ id }) => !pending.has(id) && !known.has(id));
      reattached.push(...(await options.adoptHeld(agent.id, unknown, held)));
    }
  } catch (error) {
    options.onUnlinked?.(connection.identity);
    throw error;
  }
  if (connection.isClosed) return options.onUnlinked?.(connection.identity);
  // Looked up again: the sweep drops a slot with no link and nothing pending, also while this hello awaited, and a
  // socket linked into a dropped slot would be sent work while its own frames (and its close) were ignored.
  const slot = host.slot(agent.id);
  // From here to `welcome` nothing awaits: no request can reach the socket before the connector is told
  // what to resume (it would hold frames the gateway never asks for).
  host.link(slot, connection);
  const { resume, drop, lost } = matchHeldRequests(slot, held, reattached);
  for (const pending of lost) host.expire(slot, pending, "the agent restarted and lost the request");
  // A task taken up here that ran elsewhere (another cluster node, this process before a restart) goes on where its
  // followers read it (a cluster logs its output), as when it is first sent. Before `welcome`: its frames follow it.
  for (const pending of reattached)
    if (pending.isTask && slot.pending.get(pending.call.requestId) === pending)
      host.delivery.onRequestSent?.(pending);
  connection.send({
    type: "welcome",
    protocol,
    agent: { id: agent.id, name: agent.name },
    heartbeat_ms: config.heartbeatMs,
    grace_ms: config.graceMs,
    max_frame_bytes: config.maxFrameBytes,
    resume,
    drop,
  });
  // Answers to its prompts given while it was away, or sent on a socket that died with them unread, go out again.
  for (const { id } of resume) slot.pending.get(id)?.resendAnswers(connection);
  if (options.agents.staleAtHello(agent)) host.seen(agent.id);
  await loadTaskBacklog(slot, host.delivery);
}
