/**
 * The home of agent sockets held by this process: authenticates connectors, sends them requests, relays their
 * chunks to callers exactly once, keeps requests alive across reconnects within the grace window, enforces
 * heartbeats and limits, and delivers queued tasks. It is the `AgentHub` for Bun, Deno and Node, and the engine
 * inside each agent's Durable Object on Workers.
 *
 * Timing is driven by one sweep (every few hundred ms) instead of a timer per socket or request, so the hot path
 * (a chunk frame) is: parse once, look up the request, pass it on.
 */
import type { GatewayConfig } from "../config.ts";
import { errors } from "../errors.ts";
import { CloseCode, type PromptAnswer } from "../protocol/index.ts";
import type { AgentSlot } from "./agent-slot.ts";
import { AgentConnection, type UnreadLimit } from "./connection.ts";
import { type HelloHost, welcome } from "./hello.ts";
import { createHelloHost } from "./hello-host.ts";
import { stampAndCloseAtExit } from "./home-exit.ts";
import type { LocalHomeOptions, SavedConnection } from "./home-options.ts";
import { sweepOnInterval, sweepRequests, sweepSockets } from "./home-sweep.ts";
import { parseConnectorFrame } from "./parse-frame.ts";
import { liveCallLimits, PendingRequest } from "./pending.ts";
import { PresenceWrites } from "./presence-writes.ts";
import { RecentEndings } from "./recent-endings.ts";
import { RequestEndings } from "./request-endings.ts";
import { ResumeBudget } from "./resume-budget.ts";
import { nextSweepAt } from "./sweep-schedule.ts";
import {
  deliverQueuedTasks,
  forgetMovedTasks,
  reloadBacklogs,
  type TaskDeliveryContext,
} from "./task-delivery.ts";
import {
  type AgentHub,
  type AttachOutcome,
  type CallOwner,
  mayReach,
  type PromptAnswerOutcome,
  type RelayCall,
  type RelaySink,
  type WireSocket,
} from "./types.ts";

export type { LocalHomeOptions, SavedConnection };

export class LocalAgentHome implements AgentHub {
  readonly #options: LocalHomeOptions;
  readonly #config: GatewayConfig;
  /** A connector that stops reading is closed once this much waits for it (connection.ts). */
  readonly #unread: UnreadLimit;
  readonly #slots = new Map<string, AgentSlot>();
  readonly #connections = new Set<AgentConnection>();
  readonly #interval: ReturnType<typeof setInterval> | undefined;
  readonly #delivery: TaskDeliveryContext;
  readonly #helloHost: HelloHost;
  readonly #presence: PresenceWrites;
  /** Set by `prepareExit`: the stamps of closing sockets are written already. */
  #exiting = false;
  readonly #recent: RecentEndings;
  readonly #endings: RequestEndings;
  /** What all requests here keep for re-attaching callers, held to `maxResumeBytes` together. */
  readonly #resume: ResumeBudget;

  constructor(options: LocalHomeOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#unread = {
      maxBytes: options.config.maxUnreadBytes,
      exceeded: (connection) => {
        if (!connection.isClosed)
          this.#lose(connection, CloseCode.tooSlow, "the connector left too much unread");
      },
    };
    this.#delivery = {
      tasks: options.tasks,
      config: options.config,
      report: (error, stage) => this.#report(error, stage),
      onRequestSent: options.onRequestSent,
    };
    this.#recent = new RecentEndings(options.config.resumeWindowMs);
    this.#endings = new RequestEndings(options, this.#delivery, this.#recent);
    this.#resume = new ResumeBudget(options.config.maxResumeBytes, () => this.#keepingRequests());
    const useInterval = options.useInterval !== false;
    this.#presence = new PresenceWrites(options.agents, useInterval, this.#delivery.report);
    this.#helloHost = createHelloHost({
      options,
      delivery: this.#delivery,
      slots: this.#slots,
      connections: this.#connections,
      lose: (connection, code, reason) => this.#lose(connection, code, reason),
      expire: (slot, pending, why) => this.#endings.expire(slot, pending, why),
      seen: (agentId) => this.#presence.seenAtHello(agentId),
    });
    if (useInterval) this.#interval = sweepOnInterval(this, this.#config);
  }

  // --- sockets ---

  /** Registers a freshly upgraded socket. Feed it frames with `message` and report its end with `closed`. */
  accept(socket: WireSocket, agentHint?: string): AgentConnection {
    const connection = new AgentConnection(socket, Date.now(), agentHint, this.#unread);
    this.#connections.add(connection);
    return connection;
  }

  /**
   * Rebuilds a connection the host kept across hibernation (Workers) from what it saved. An authenticated one
   * becomes its agent's link again unless another socket holds that role.
   */
  restore(socket: WireSocket, saved: SavedConnection): AgentConnection {
    const connection = new AgentConnection(socket, saved.openedAt, saved.agentHint, this.#unread);
    connection.lastFrameAt = saved.lastFrameAt;
    this.#connections.add(connection);
    if (saved.identity) {
      connection.identity = saved.identity;
      connection.state = "open";
      const slot = this.#helloHost.slot(saved.identity.agentId);
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
      welcome(this.#helloHost, connection, frame).catch((error) => {
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
        this.#resume.relayed(frame.delta);
        return;
      case "done":
        return this.#endings.done(slot, frame);
      case "error":
        return this.#endings.error(slot, frame);
      case "ping":
        connection.send({ type: "pong" });
        return;
      case "hello":
        return this.#lose(connection, CloseCode.protocolError, "hello may be sent only once");
    }
  }

  /**
   * The runtime reports the socket closed (any reason), with the code the connector sent when it sent one.
   * Idempotent. A connector that says goodbye (1000: stopped by its user) aborted its requests and will not resume
   * them, so they end at once (live calls fail, tasks go back to the queue) instead of waiting out the grace window
   * for a reconnect that is not coming; any other close may be a network blip, and they wait.
   */
  closed(connection: AgentConnection, code?: number): void {
    connection.state = "closed";
    this.#connections.delete(connection);
    const identity = connection.identity;
    if (!identity) return;
    const slot = this.#slots.get(identity.agentId);
    if (!slot || slot.link !== connection) return;
    this.#unlink(slot, { expireNow: code === CloseCode.normal, why: "its connector stopped" });
    // While exiting, `prepareExit` has stamped every agent already.
    if (!this.#exiting) void this.#presence.closed(identity.agentId);
  }

  /** Agent sockets open now, authenticated or not: each holds an open file (the cap on `/v1/connect`). */
  get socketCount(): number {
    return this.#connections.size;
  }

  /** This process's share of the fleet (`GET /v1/node`): a walk over the slots, for an admin now and then. */
  counts(): { agentsConnected: number; requestsInFlight: number; resumeBytes: number } {
    let agentsConnected = 0;
    let requestsInFlight = 0;
    for (const slot of this.#slots.values()) {
      if (slot.link) agentsConnected += 1;
      requestsInFlight += slot.pending.size;
    }
    return { agentsConnected, requestsInFlight, resumeBytes: this.#resume.measure() };
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
    follower: CallOwner & { afterSeq: number },
    sink: RelaySink,
  ): Promise<AttachOutcome> {
    const pending = this.#slots.get(agentId)?.pending.get(requestId) ?? this.#recent.get(requestId);
    if (!pending || pending.call.agentId !== agentId || !mayReach(follower, pending.call)) return "not_found";
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
    who: CallOwner,
    answer: PromptAnswer,
  ): Promise<PromptAnswerOutcome> {
    const slot = this.#slots.get(agentId);
    const pending = slot?.pending.get(requestId);
    if (!slot || !pending || !mayReach(who, pending.call)) return "not_found";
    return pending.answerPrompt(slot.link, answer);
  }

  async cancel(agentId: string, requestId: string): Promise<void> {
    const slot = this.#slots.get(agentId);
    const pending = slot?.pending.get(requestId);
    if (slot && pending) this.#endings.cancel(slot, pending);
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

  /** Clusters: the agent moved to another node; its tasks here are forgotten, not re-queued (task-delivery.ts). */
  forgetTasks(agentId: string): void {
    const slot = this.#slots.get(agentId);
    if (slot) forgetMovedTasks(slot);
  }

  /** Clusters, when Redis is back: every linked agent's backlog read again (false if a listing was refused). */
  reloadTaskBacklogs(): Promise<boolean> {
    return reloadBacklogs(
      [...this.#slots.values()].filter((slot) => slot.link),
      this.#delivery,
    );
  }

  /** Ids of the agents whose socket is linked here. */
  linkedAgents(): string[] {
    return [...this.#slots.values()].filter((slot) => slot.link).map((slot) => slot.id);
  }

  /** When `sweep` next has something to check, or null when nothing is watched (sweep-schedule.ts). */
  nextSweepAt(now: number, pendingWakeMs = 5000): number | null {
    return nextSweepAt(this.#slots.values(), this.#connections, this.#config, now, pendingWakeMs);
  }

  /** Checks every deadline: hello, liveness, grace windows, timeouts, keepalives (home-sweep.ts). */
  sweep(now: number): void {
    void this.#presence.flush();
    sweepSockets(this.#connections, this.#config, this.#helloHost.lose, now);
    sweepRequests(this.#slots, this.#endings, now);
    this.#recent.sweep(now);
  }

  /** Stops the sweep and closes every socket with 1001, each agent stamped (in-process hosts: tests, embedders). */
  dispose(): void {
    void this.prepareExit({ closeSockets: true });
  }

  /**
   * The process is about to exit (SIGTERM): stamps `last_seen` of every agent linked here, as its close would, and
   * resolves once the store has those writes. With `closeSockets` every socket is closed with 1001; without, they
   * are left to close with the process (home-exit.ts says why each).
   */
  async prepareExit(options: { closeSockets: boolean }): Promise<void> {
    if (this.#interval) clearInterval(this.#interval);
    this.#exiting = true;
    await stampAndCloseAtExit(this.#presence, this.#slots.values(), this.#connections, options.closeSockets);
  }

  // --- internal ---

  #unlink(slot: AgentSlot, options: { expireNow: boolean; why?: string }): void {
    const link = slot.link;
    slot.link = null;
    slot.setQueue([]);
    if (link) this.#connections.delete(link);
    if (link?.identity) this.#options.onUnlinked?.(link.identity);
    const deadline = Date.now() + this.#config.graceMs;
    for (const pending of slot.pending.values()) {
      if (options.expireNow) this.#endings.expire(slot, pending, options.why ?? "its connection was closed");
      else pending.graceDeadline = deadline;
    }
  }

  /** Closes a socket for a protocol reason and forgets it at once (the runtime's close event may come late). */
  #lose(connection: AgentConnection, code: number, reason: string): void {
    connection.close(code, reason);
    this.closed(connection);
  }

  /** Every request that may keep output for re-attaching callers: those in flight, and endings kept. */
  *#keepingRequests(): Iterable<PendingRequest> {
    for (const slot of this.#slots.values()) yield* slot.pending.values();
    yield* this.#recent.requests();
  }

  #report(error: unknown, stage: string): void {
    if (this.#options.onError) this.#options.onError(error, { stage });
    else console.error(`[gateway] [relay] ${stage}:`, error);
  }
}
