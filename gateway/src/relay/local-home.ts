/**
 * The home of agent sockets held by this process: authenticates connectors, sends them requests, relays their
 * chunks to callers exactly once, keeps requests alive across reconnects within the grace window, enforces
 * heartbeats and limits, and delivers queued tasks. It is the `AgentHub` for Bun, Deno and Node, and the engine
 * inside each agent's Durable Object on Workers.
 *
 * Timing is driven by one sweep (every few hundred ms) instead of a timer per socket or request, so the hot path
 * (a chunk frame) is: parse once, look up the request, pass it on.
 */
import type { TokenService } from "../auth/tokens.ts";
import type { GatewayConfig } from "../config.ts";
import type { AgentService } from "../domain/agents.ts";
import { errors } from "../errors.ts";
import {
  CloseCode,
  type DoneFrame,
  type HelloFrame,
  LIVENESS_FACTOR,
  MIN_PROTOCOL_VERSION,
  PROMPTS_SINCE_VERSION,
  PROTOCOL_VERSION,
  type PromptAnswer,
} from "../protocol/index.ts";
import { AgentSlot } from "./agent-slot.ts";
import { authenticateHello } from "./authenticate-hello.ts";
import { AgentConnection, type ConnectionIdentity } from "./connection.ts";
import { parseConnectorFrame } from "./parse-frame.ts";
import { liveCallLimits, PendingRequest } from "./pending.ts";
import { matchHeldRequests } from "./resume.ts";
import {
  deliverQueuedTasks,
  loadTaskBacklog,
  reattachHeldTasks,
  type TaskDeliveryContext,
} from "./task-delivery.ts";
import type { TaskRunner } from "./task-runner.ts";
import type {
  AgentHub,
  AttachOutcome,
  PromptAnswerOutcome,
  RelayCall,
  RelaySink,
  WireSocket,
} from "./types.ts";

export interface LocalHomeOptions {
  config: GatewayConfig;
  tokens: TokenService;
  agents: AgentService;
  tasks: TaskRunner;
  /** Rewrites a `done` frame before the caller sees it (claims uploaded attachments for the caller). */
  finalizeDone?: (call: RelayCall, frame: DoneFrame) => Promise<DoneFrame>;
  onError?: (error: unknown, context: { stage: string }) => void;
  /** Drive `sweep()` from an interval (default). Workers pass false and call `sweep()` from an alarm. */
  useInterval?: boolean;
  /**
   * Called once a socket authenticated (its `identity` is set), just before it becomes its agent's link and gets
   * `welcome`; awaited, so presence written here is visible once the connector sees `welcome`. Workers save the
   * identity on the socket and publish presence; closing the connection here refuses it.
   */
  beforeLink?: (connection: AgentConnection) => Promise<void> | void;
  /** Called when an agent's link goes away (closed, replaced by nothing, revoked, deleted). Not awaited. */
  onUnlinked?: (identity: ConnectionIdentity) => void;
  /**
   * Clusters: requests a reconnecting connector holds that this process does not know, taken over from the node
   * that had the agent before (their output continues in a shared log). Returned requests are resumed like local ones.
   */
  adoptHeld?: (
    agentId: string,
    unknown: Array<{ id: string; seq: number }>,
    held: Array<{ id: string; seq: number }>,
  ) => Promise<PendingRequest[]>;
  /** Told of every request sent to an agent. */
  onRequestSent?: (pending: PendingRequest) => void;
}

/** What an alarm-driven host saves per socket so `restore` can rebuild the connection after hibernation. */
export interface SavedConnection {
  openedAt: number;
  lastFrameAt: number;
  agentHint?: string;
  /** Set once `hello` succeeded. */
  identity: ConnectionIdentity | null;
}

/** Endings kept for re-attaching callers: at most this many, and those of attached callers only when this small. */
const MAX_RECENT = 2_000;
const SMALL_ENDING_CHARS = 16 * 1024;
/** Agents whose task backlog `reloadTaskBacklogs` reads at the same time. */
const BACKLOG_RELOADS_AT_ONCE = 16;

export class LocalAgentHome implements AgentHub {
  readonly #options: LocalHomeOptions;
  readonly #config: GatewayConfig;
  readonly #slots = new Map<string, AgentSlot>();
  readonly #connections = new Set<AgentConnection>();
  readonly #interval: ReturnType<typeof setInterval> | undefined;
  readonly #delivery: TaskDeliveryContext;
  /**
   * Agents whose stale `last_seen` a hello found, written together by the next sweep (interval hosts only): a
   * connect wave then writes its records in a few journal batches, not one write and sync per hello.
   */
  readonly #seenAtHello = new Set<string>();
  /** Live requests that ended while no caller was attached, kept for the resume window so one can come back. */
  readonly #recent = new Map<string, { pending: PendingRequest; agentId: string; until: number }>();

  constructor(options: LocalHomeOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#delivery = {
      tasks: options.tasks,
      config: options.config,
      report: (error, stage) => this.#report(error, stage),
      onRequestSent: options.onRequestSent,
    };
    if (options.useInterval !== false) {
      this.#interval = setInterval(() => this.sweep(Date.now()), this.sweepEveryMs);
      // Deno and Node keep the process alive for an interval; the server keeps it alive anyway.
      (this.#interval as { unref?: () => void }).unref?.();
    }
  }

  // --- sockets ---

  /** Registers a freshly upgraded socket. Feed it frames with `message` and report its end with `closed`. */
  accept(socket: WireSocket, agentHint?: string): AgentConnection {
    const connection = new AgentConnection(socket, Date.now(), agentHint);
    this.#connections.add(connection);
    return connection;
  }

  /**
   * Rebuilds a connection the host kept across hibernation (Workers) from what it saved. An authenticated one
   * becomes its agent's link again unless another socket holds that role.
   */
  restore(socket: WireSocket, saved: SavedConnection): AgentConnection {
    const connection = new AgentConnection(socket, saved.openedAt, saved.agentHint);
    connection.lastFrameAt = saved.lastFrameAt;
    this.#connections.add(connection);
    if (saved.identity) {
      connection.identity = saved.identity;
      connection.state = "open";
      const slot = this.#slot(saved.identity.agentId);
      slot.link ??= connection;
    }
    return connection;
  }

  message(connection: AgentConnection, data: unknown): void {
    if (connection.state === "closed") return;
    const parsed = parseConnectorFrame(data, this.#config.maxFrameBytes);
    if ("close" in parsed) return this.#lose(connection, parsed.close, parsed.reason);
    connection.lastFrameAt = Date.now();
    const { frame } = parsed;
    if (connection.state === "awaiting_hello") {
      if (frame.type !== "hello")
        return this.#lose(connection, CloseCode.protocolError, "first frame must be hello");
      this.#hello(connection, frame).catch((error) => {
        this.#report(error, "hello");
        this.#lose(connection, CloseCode.internal, "gateway error during hello");
      });
      return;
    }
    if (connection.state !== "open")
      return this.#lose(connection, CloseCode.protocolError, "wait for welcome");
    const slot = this.#slots.get(connection.identity!.agentId);
    if (!slot || slot.link !== connection) return;
    switch (frame.type) {
      case "chunk":
        slot.pending
          .get(frame.id)
          ?.chunk(frame.seq, frame.kind ?? "text", frame.delta, connection.lastFrameAt);
        return;
      case "done":
        this.#done(slot, frame);
        return;
      case "error": {
        const pending = slot.pending.get(frame.id);
        if (!pending) return;
        this.#finish(slot, pending);
        this.#ack(slot, pending);
        pending.fail(frame.code, frame.message);
        return;
      }
      case "ping":
        connection.send({ type: "pong" });
        return;
      case "hello":
        return this.#lose(connection, CloseCode.protocolError, "hello may be sent only once");
    }
  }

  /** The runtime reports the socket closed (any reason). Idempotent. */
  closed(connection: AgentConnection): void {
    connection.state = "closed";
    this.#connections.delete(connection);
    const identity = connection.identity;
    if (!identity) return;
    const slot = this.#slots.get(identity.agentId);
    if (!slot || slot.link !== connection) return;
    this.#unlink(slot, { expireNow: false });
    this.#seenAtHello.delete(identity.agentId); // the write below covers it
    this.#touch(identity.agentId);
  }

  /** This process's share of the fleet (`GET /v1/node`): a walk over the slots, for an admin now and then. */
  counts(): { agentsConnected: number; requestsInFlight: number } {
    let agentsConnected = 0;
    let requestsInFlight = 0;
    for (const slot of this.#slots.values()) {
      if (slot.link) agentsConnected += 1;
      requestsInFlight += slot.pending.size;
    }
    return { agentsConnected, requestsInFlight };
  }

  // --- AgentHub ---

  async isOnline(agentIds: string[]): Promise<Map<string, boolean>> {
    return new Map(agentIds.map((id) => [id, Boolean(this.#slots.get(id)?.link)]));
  }

  async dispatch(call: RelayCall, sink: RelaySink): Promise<void> {
    const slot = this.#slots.get(call.agentId);
    if (!slot?.link) throw errors.agentOffline(call.agentName);
    const capacity = slot.capacity(this.#config.maxInflightPerAgent);
    if (slot.pending.size >= capacity) throw errors.agentBusy(call.agentName, capacity);
    const limits = liveCallLimits(call, this.#config.syncTimeoutMs, Date.now());
    slot.send(new PendingRequest(call, sink, limits), this.#options.onRequestSent);
  }

  async attach(
    agentId: string,
    requestId: string,
    follower: { user: string; afterSeq: number },
    sink: RelaySink,
  ): Promise<AttachOutcome> {
    const pending = this.#slots.get(agentId)?.pending.get(requestId) ?? this.#recent.get(requestId)?.pending;
    if (!pending || pending.call.agentId !== agentId || pending.call.user !== follower.user)
      return "not_found";
    return pending.attach(sink, follower.afterSeq);
  }

  async release(agentId: string, requestId: string, sink: RelaySink): Promise<void> {
    const pending = this.#slots.get(agentId)?.pending.get(requestId);
    if (!pending || pending.detach(sink) > 0 || pending.isTask) return;
    // The last caller left a live request: it keeps running for the resume window, then is canceled.
    pending.orphanDeadline = Date.now() + this.#config.resumeWindowMs;
  }

  async answer(
    agentId: string,
    requestId: string,
    user: string,
    answer: PromptAnswer,
  ): Promise<PromptAnswerOutcome> {
    const slot = this.#slots.get(agentId);
    const pending = slot?.pending.get(requestId);
    if (!slot || !pending || pending.call.user !== user) return "not_found";
    if (pending.withdrawnPrompts.has(answer.prompt_id)) return "withdrawn";
    if (!pending.openPrompts.has(answer.prompt_id)) return "not_found";
    const link = slot.link;
    if (!link) return "not_found"; // Its agent is reconnecting; the prompt is asked again on resume.
    if ((link.identity?.protocol ?? 1) < PROMPTS_SINCE_VERSION) return "unsupported";
    pending.openPrompts.delete(answer.prompt_id);
    // The frame's own fields last: whatever a door let through in `answer` can never retype or re-aim the frame.
    link.send({ ...answer, type: "input", id: requestId });
    return "sent";
  }

  async cancel(agentId: string, requestId: string): Promise<void> {
    const slot = this.#slots.get(agentId);
    const pending = slot?.pending.get(requestId);
    if (!slot || !pending) return;
    this.#finish(slot, pending);
    pending.fail("canceled", "The request was canceled.");
    slot.link?.send({ type: "cancel", id: requestId });
  }

  async taskQueued(agentId: string, taskId: string): Promise<void> {
    const slot = this.#slots.get(agentId);
    if (!slot?.link) return; // Delivered from the store when the agent connects.
    // No duplicate check: delivery skips tasks already running or finished.
    slot.enqueue(taskId);
    await deliverQueuedTasks(slot, this.#delivery);
  }

  async disconnectToken(tokenId: string): Promise<void> {
    this.#options.tokens.forgetChecks(tokenId); // no hello may pass on a check made before the revocation
    for (const slot of this.#slots.values()) {
      const identity = slot.link?.identity;
      if (identity && (identity.tokenId === tokenId || identity.parentTokenId === tokenId)) {
        slot.link!.close(CloseCode.revoked, "token revoked");
        this.#unlink(slot, { expireNow: true });
      }
    }
  }

  async disconnectAgent(agentId: string): Promise<void> {
    this.closeAgent(agentId, CloseCode.agentDeleted, "agent deleted", { expireNow: true });
  }

  /**
   * Closes the agent's socket with `code`. `expireNow` fails its requests at once; otherwise they wait out the
   * grace window for the agent to come back (clusters: another node took the agent, or this node lost Redis).
   */
  closeAgent(agentId: string, code: number, reason: string, options: { expireNow: boolean }): void {
    const slot = this.#slots.get(agentId);
    if (!slot?.link) return;
    slot.link.close(code, reason);
    this.#unlink(slot, options);
  }

  /**
   * Clusters: the agent moved to another node, which runs the tasks its connector still holds and delivers the
   * rest from the store (unfinished tasks stay in its backlog). This node forgets them without re-queueing, so a
   * late grace expiry here never turns a task running elsewhere back into a queued one.
   */
  forgetTasks(agentId: string): void {
    const slot = this.#slots.get(agentId);
    if (!slot) return;
    for (const pending of [...slot.pending.values()]) {
      if (!pending.isTask) continue;
      slot.untrack(pending.call.requestId);
      pending.abandon();
    }
    slot.setQueue([]);
  }

  /**
   * Reads the task backlog of every agent linked here again and delivers what is not running yet. Clusters call it
   * when this node's Redis comes back: a task queued on another node meanwhile may never have been handed over.
   * False when the store refused a listing (the caller tries again later).
   */
  async reloadTaskBacklogs(): Promise<boolean> {
    let complete = true;
    const linked = [...this.#slots.values()].filter((slot) => slot.link).values();
    // A few listings in flight at once: one at a time, a node holding thousands of agents took seconds per round
    // trip to Redis before the last agent's queued task was found; all at once would flood the store.
    const worker = async (): Promise<void> => {
      for (const slot of linked) {
        await loadTaskBacklog(slot, this.#delivery).catch((error) => {
          complete = false;
          this.#report(error, "backlog");
        });
      }
    };
    await Promise.all(Array.from({ length: BACKLOG_RELOADS_AT_ONCE }, worker));
    return complete;
  }

  /** Ids of the agents whose socket is linked here. */
  linkedAgents(): string[] {
    return [...this.#slots.values()].filter((slot) => slot.link).map((slot) => slot.id);
  }

  /** Number of sockets that finished `hello`. */
  get onlineCount(): number {
    let count = 0;
    for (const slot of this.#slots.values()) if (slot.link) count++;
    return count;
  }

  /** How often `sweep` must run while requests are pending (keepalives, grace windows, timeouts). */
  get sweepEveryMs(): number {
    const { heartbeatMs, graceMs, helloTimeoutMs, keepaliveMs } = this.#config;
    return Math.max(25, Math.min(1000, Math.min(heartbeatMs, graceMs, helloTimeoutMs, keepaliveMs) / 4));
  }

  /**
   * When `sweep` next has something to check, or null when nothing is watched (no sockets, no pending requests),
   * so an alarm-driven host can let itself sleep: each pending request's next deadline (grace, timeout, keepalive),
   * but at most `pendingWakeMs` apart so a host that evicts idle state (Workers hibernate after ~10 s) never does
   * so while requests live only in memory; idle sockets only need their hello deadline or liveness window.
   */
  nextSweepAt(now: number, pendingWakeMs = 5000): number | null {
    let next = Number.POSITIVE_INFINITY;
    for (const slot of this.#slots.values()) {
      for (const pending of slot.pending.values())
        next = Math.min(next, pending.nextCheckAt(this.#config.keepaliveMs));
      if (slot.pending.size > 0) next = Math.min(next, now + pendingWakeMs);
    }
    const liveness = this.#config.heartbeatMs * LIVENESS_FACTOR;
    for (const connection of this.#connections) {
      if (connection.state === "awaiting_hello")
        next = Math.min(next, connection.openedAt + this.#config.helloTimeoutMs + 1);
      // "authenticating" too: its hello may finish after the host last asked, and liveness starts from it.
      else if (connection.state !== "closed") next = Math.min(next, connection.lastFrameAt + liveness + 1);
    }
    return Number.isFinite(next) ? next : null;
  }

  /** Checks every deadline: hello, liveness, grace windows, timeouts, keepalives. */
  sweep(now: number): void {
    this.#writePresence();
    const liveness = this.#config.heartbeatMs * LIVENESS_FACTOR;
    for (const connection of this.#connections) {
      if (connection.state === "awaiting_hello" && now - connection.openedAt > this.#config.helloTimeoutMs) {
        this.#lose(connection, CloseCode.helloTimeout, "no hello before the deadline");
      } else if (connection.state === "open" && now - connection.lastFrameAt > liveness) {
        this.#lose(connection, CloseCode.heartbeatTimeout, "no heartbeat");
      } else if (connection.state === "open") {
        connection.flushAcks();
      }
    }
    for (const slot of this.#slots.values()) {
      for (const pending of slot.pending.values()) this.#sweepPending(slot, pending, now);
      if (!slot.link && slot.pending.size === 0) this.#slots.delete(slot.id);
    }
    for (const [requestId, recent] of this.#recent) if (now >= recent.until) this.#recent.delete(requestId);
  }

  dispose(): void {
    if (this.#interval) clearInterval(this.#interval);
    this.#writePresence();
    for (const connection of this.#connections)
      connection.close(CloseCode.goingAway, "gateway shutting down");
  }

  // --- internal ---

  async #hello(connection: AgentConnection, frame: HelloFrame): Promise<void> {
    connection.state = "authenticating";
    const protocol = Math.min(frame.protocol.max, PROTOCOL_VERSION);
    if (protocol < Math.max(frame.protocol.min, MIN_PROTOCOL_VERSION)) {
      return this.#lose(
        connection,
        CloseCode.versionUnsupported,
        `gateway speaks protocol ${MIN_PROTOCOL_VERSION}-${PROTOCOL_VERSION}; upgrade the connector`,
      );
    }
    const resolved = await authenticateHello(frame, connection.agentHint, this.#options);
    if ("close" in resolved) return this.#lose(connection, resolved.close, resolved.reason);
    if (connection.isClosed) return; // The socket went away while we were checking its token.
    const { agent, tokenId, parentTokenId } = resolved;
    connection.identity = {
      agentId: agent.id,
      agentName: agent.name,
      tokenId,
      parentTokenId,
      protocol,
      maxInflight: frame.max_inflight ?? this.#config.maxInflightPerAgent,
    };
    if (this.#options.beforeLink) {
      // Before linking, so nothing can be delivered to this socket while the host is still busy with it.
      await this.#options.beforeLink(connection);
      // The host refused it, or it went away meanwhile: a claim the host took for it is given back.
      if (connection.isClosed) return this.#options.onUnlinked?.(connection.identity);
    }
    const held = frame.inflight ?? [];
    const reattached: PendingRequest[] = [];
    try {
      reattached.push(...(await reattachHeldTasks(this.#slot(agent.id), held, this.#delivery)));
      if (this.#options.adoptHeld) {
        const known = new Set(reattached.map((pending) => pending.call.requestId));
        const pending = this.#slot(agent.id).pending;
        const unknown = held.filter(({ id }) => !pending.has(id) && !known.has(id));
        reattached.push(...(await this.#options.adoptHeld(agent.id, unknown, held)));
      }
    } catch (error) {
      this.#options.onUnlinked?.(connection.identity);
      throw error;
    }
    if (connection.isClosed) return this.#options.onUnlinked?.(connection.identity);
    // Looked up again: the sweep drops a slot with no link and nothing pending, also while this hello awaited, and a
    // socket linked into a dropped slot would be sent work while its own frames (and its close) were ignored.
    const slot = this.#slot(agent.id);
    // From here to `welcome` nothing awaits: no request can reach the socket before the connector is told
    // what to resume (it would hold frames the gateway never asks for).
    const previous = slot.link;
    slot.link = connection;
    connection.state = "open";
    if (previous && previous !== connection) {
      previous.close(CloseCode.replaced, "replaced by a newer connection");
      this.#connections.delete(previous);
    }
    const { resume, drop, lost } = matchHeldRequests(slot, held, reattached);
    for (const pending of lost) this.#expire(slot, pending, "the agent restarted and lost the request");
    connection.send({
      type: "welcome",
      protocol,
      agent: { id: agent.id, name: agent.name },
      heartbeat_ms: this.#config.heartbeatMs,
      grace_ms: this.#config.graceMs,
      max_frame_bytes: this.#config.maxFrameBytes,
      resume,
      drop,
    });
    if (this.#options.agents.staleAtHello(agent)) {
      // Without an interval (Workers) no sweep may come soon: written now.
      if (this.#interval) this.#seenAtHello.add(agent.id);
      else this.#touch(agent.id);
    }
    await loadTaskBacklog(slot, this.#delivery);
  }

  #done(slot: AgentSlot, frame: DoneFrame): void {
    const pending = slot.pending.get(frame.id);
    if (!pending) return;
    this.#finish(slot, pending);
    this.#ack(slot, pending);
    const finalize = this.#options.finalizeDone;
    if (!finalize || !frame.attachments?.length) return pending.done(frame);
    finalize(pending.call, frame).then(
      (final) => pending.done(final),
      (error) => {
        this.#report(error, "attachments");
        pending.fail("attachments_failed", "The agent's files could not be stored.");
      },
    );
  }

  /**
   * Tells the agent it may forget a request whose final frame arrived: at once for a live call, once its outcome
   * is saved for a task (until then the connector holds it, so wherever it reconnects the turn is re-attached and
   * its ending replayed, never listed as still working and sent again).
   */
  #ack(slot: AgentSlot, pending: PendingRequest): void {
    const id = pending.call.requestId;
    if (!pending.outcomeStored) return slot.link?.ack(id);
    pending.outcomeStored.then(
      () => slot.link?.ack(id),
      () => {}, // Not saved: the agent keeps the turn and replays its ending where it reconnects.
    );
  }

  /** Removes a request that ended and lets queued tasks take its place. */
  #finish(slot: AgentSlot, pending: PendingRequest): void {
    slot.untrack(pending.call.requestId);
    if (pending.isTask) slot.markEnded(pending.call.requestId);
    // Keep a live call's ending for the resume window when its caller is away (a dropped stream), and also when
    // it is small: a caller whose connection broke just as the call ended may not have been seen leaving yet.
    // Not for calls nobody can come back to: thousands of them a second would keep every ending alive meanwhile.
    const keep = pending.callerCount === 0 || pending.historyChars <= SMALL_ENDING_CHARS;
    if (!pending.isTask && pending.call.resumable !== false && keep) {
      const until = Date.now() + this.#config.resumeWindowMs;
      this.#recent.set(pending.call.requestId, { pending, agentId: slot.id, until });
      // Bounded: the oldest endings go first (a Map iterates in insertion order).
      if (this.#recent.size > MAX_RECENT) this.#recent.delete(this.#recent.keys().next().value!);
    }
    if (slot.queue.length > 0) deliverQueuedTasks(slot, this.#delivery);
  }

  /** The agent is gone for good for this request (grace over, agent restarted, revoked). */
  #expire(slot: AgentSlot, pending: PendingRequest, why: string): void {
    slot.untrack(pending.call.requestId);
    if (pending.isTask) {
      this.#options.tasks.requeue(pending).catch((error) => this.#report(error, "requeue"));
      pending.abandon();
    } else {
      pending.fail("agent_offline", `Agent ${pending.call.agentName} went offline: ${why}.`);
    }
  }

  #sweepPending(slot: AgentSlot, pending: PendingRequest, now: number): void {
    switch (pending.due(now, this.#config.keepaliveMs)) {
      case "grace":
        return this.#expire(slot, pending, `it did not reconnect within ${this.#config.graceMs} ms`);
      case "timeout":
        slot.untrack(pending.call.requestId);
        if (pending.isTask) slot.markEnded(pending.call.requestId);
        slot.link?.send({ type: "cancel", id: pending.call.requestId, reason: "timeout" });
        pending.fail(pending.isTask ? "task_timeout" : "agent_timeout", "The agent took too long to answer.");
        return;
      case "orphaned":
        this.#finish(slot, pending);
        slot.link?.send({ type: "cancel", id: pending.call.requestId });
        pending.fail("canceled", "Every caller left and none came back within the resume window.");
        return;
      case "keepalive":
        pending.keepalive(now);
        return;
    }
  }

  #unlink(slot: AgentSlot, options: { expireNow: boolean }): void {
    const link = slot.link;
    slot.link = null;
    slot.setQueue([]);
    if (link) this.#connections.delete(link);
    if (link?.identity) this.#options.onUnlinked?.(link.identity);
    const deadline = Date.now() + this.#config.graceMs;
    for (const pending of slot.pending.values()) {
      if (options.expireNow) this.#expire(slot, pending, "its connection was closed");
      else pending.graceDeadline = deadline;
    }
  }

  /** Closes a socket for a protocol reason and forgets it at once (the runtime's close event may come late). */
  #lose(connection: AgentConnection, code: number, reason: string): void {
    connection.close(code, reason);
    this.closed(connection);
  }

  /** Writes `last_seen` of the agents hellos found stale; issued together, so they share journal batches. */
  #writePresence(): void {
    if (this.#seenAtHello.size === 0) return;
    for (const agentId of this.#seenAtHello) this.#touch(agentId);
    this.#seenAtHello.clear();
  }

  #touch(agentId: string): void {
    this.#options.agents.touch(agentId).catch((error) => this.#report(error, "presence"));
  }

  #slot(agentId: string): AgentSlot {
    let slot = this.#slots.get(agentId);
    if (!slot) {
      slot = new AgentSlot(agentId);
      this.#slots.set(agentId, slot);
    }
    return slot;
  }

  #report(error: unknown, stage: string): void {
    if (this.#options.onError) this.#options.onError(error, { stage });
    else console.error(`[gateway] [relay] ${stage}:`, error);
  }
}
