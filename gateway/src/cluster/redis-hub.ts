/**
 * The `AgentHub` of a gateway node in a cluster (`AGENT_MESH_CLUSTER=redis`): beside the in-process home and the
 * Durable Object hub, it wraps this node's `LocalAgentHome` and reaches agents whose socket another node holds.
 *
 * - Presence (`presence.ts`, `presence-keeper.ts`): a node claims an agent when its socket says hello here (a new
 *   epoch fences the earlier owner, and the claiming node tells it at once through its inbox), beats once per
 *   `ttlMs / 3` for all its agents, and closes the sockets of agents another node took over.
 * - A call for an agent on another node goes to that node's inbox (`node-inbox.ts`); that node dispatches it to its
 *   local home, so per-agent in-flight limits and the agent's queue work as on one node, writes an acknowledgement
 *   (accepted, or the refusal: agent_offline / agent_busy) and then every chunk into the request's log
 *   (`request-log.ts`), which the caller's node follows by seq: each chunk once, a lost wake-up only delays.
 * - No answer within `ackTimeoutMs` means the owner is gone: `agent_offline`, as on one node.
 * @module
 */
import { ApiError, errors } from "../errors.ts";
import type { PromptAnswer } from "../protocol/index.ts";
import { CloseCode } from "../protocol/index.ts";
import type { LocalAgentHome } from "../relay/local-home.ts";
import type { PendingRequest } from "../relay/pending.ts";
import {
  type AgentHub,
  type AttachOutcome,
  type CallOwner,
  mayReach,
  type PromptAnswerOutcome,
  type RelayCall,
  type RelaySink,
} from "../relay/types.ts";
import { type AckOutcome, AgentSide } from "./agent-side.ts";
import { AnswerRouting } from "./answer-routing.ts";
import { afterReconnect } from "./backlog-recovery.ts";
import { awaitAck, followRequest, replayEnded } from "./caller-side.ts";
import type { RedisHubOptions } from "./hub-options.ts";
import { NodeInbox } from "./node-inbox.ts";
import { ClusterPresence } from "./presence.ts";
import { PresenceKeeper } from "./presence-keeper.ts";
import { logIdOf, RequestLog } from "./request-log.ts";

/** A node without a heartbeat for this many presence TTLs is dead: its presence is removed, its calls released. */
const DEAD_AFTER_TTLS = 3;

export class RedisAgentHub implements AgentHub {
  readonly #local: LocalAgentHome;
  readonly #options: RedisHubOptions;
  readonly #presence: ClusterPresence;
  readonly #log: RequestLog;
  readonly #inbox: NodeInbox;
  readonly #keeper: PresenceKeeper;
  readonly #agentSide: AgentSide;
  readonly #answers: AnswerRouting;
  /** Agents that said hello here while another node held them, until that node is told. */
  readonly #previousOwner = new Map<string, string>();
  /** Requests this node follows for its callers: caller sink → what to stop. */
  readonly #following = new Map<
    RelaySink,
    { stop(): void; node: string; agentId: string; requestId: string }
  >();
  readonly #listening: { stop(): void };

  constructor(local: LocalAgentHome, options: RedisHubOptions) {
    this.#local = local;
    this.#options = options;
    const ttlMs = options.presenceTtlMs ?? 3000;
    this.#presence = new ClusterPresence({
      redis: options.redis,
      prefix: options.prefix,
      nodeId: options.nodeId,
      liveMs: ttlMs,
    });
    this.#log = new RequestLog({
      redis: options.redis,
      prefix: options.prefix,
      maxChars: options.logMaxChars,
      nodeMaxChars: options.logNodeMaxChars,
      onError: (error) => this.#report(error, "cluster-log"),
    });
    this.#inbox = new NodeInbox(options.redis, options.prefix);
    this.#agentSide = new AgentSide({
      onClaimed: (agentId, held, epoch) => {
        // A notice from a claim older than ours (the agent came back here since) is stale: its sender learns from ours.
        const mine = this.#keeper.held.get(agentId);
        if (epoch === null || mine === undefined || mine < epoch) this.#lostTo(agentId, held);
      },
      local,
      redis: options.redis,
      log: this.#log,
      prefix: options.prefix,
      syncTimeoutMs: options.syncTimeoutMs,
      report: (error, stage) => this.#report(error, stage),
    });
    this.#answers = new AnswerRouting({
      local,
      agentSide: this.#agentSide,
      presence: this.#presence,
      inbox: this.#inbox,
      nodeId: options.nodeId,
    });
    this.#listening = this.#inbox.listen(
      options.nodeId,
      options.wakes.subscribe,
      (command) => this.#agentSide.handle(command),
      (error) => this.#report(error, "cluster-inbox"),
      { ready: () => this.#keeper.fresh() },
    );
    options.onReconnected?.(
      afterReconnect(
        () => local.reloadTaskBacklogs(),
        (error) => this.#report(error, "cluster-backlog"),
      ),
    );
    const deadAfterMs = ttlMs * DEAD_AFTER_TTLS;
    this.#keeper = new PresenceKeeper({
      presence: this.#presence,
      liveMs: ttlMs,
      onLost: (agentId) => this.#lostTo(agentId, null),
      onGap: () => {
        local.reloadTaskBacklogs().catch((error) => this.#report(error, "cluster-backlog"));
      },
      onCutOff: () => this.#failClosed(),
      afterBeat: async () => {
        await this.#presence.reapDeadNodes(deadAfterMs);
        await this.#agentSide.releaseAbandoned((nodes) => this.#presence.liveNodes(nodes, deadAfterMs));
      },
      report: (error, stage) => this.#report(error, stage),
    });
  }

  // --- presence hooks (LocalAgentHome beforeLink / onUnlinked) ---

  async linked(agentId: string): Promise<number> {
    const { epoch, previous } = await this.#keeper.claim(agentId);
    if (previous) this.#previousOwner.set(agentId, previous);
    return epoch;
  }

  /** Another node took the agent (it said so, or our claim was fenced): stop serving it here. */
  #lostTo(agentId: string, heldThere: string[] | null): void {
    this.#keeper.held.delete(agentId); // not released: the claim is the new node's
    this.#agentSide.handOver(agentId, heldThere);
    this.#local.forgetTasks(agentId);
    // Not expired here: the new node continues what the connector held (tasks included); the rest failed above.
    this.#local.closeAgent(agentId, CloseCode.replaced, "the agent connected to another node", {
      expireNow: false,
    });
  }

  unlinked(agentId: string, epoch: number): void {
    this.#keeper.unclaim(agentId, epoch); // unless a newer socket of the agent is linked here
  }

  /**
   * Cut off from Redis longer than the liveness bound: other nodes already count our agents offline, and a
   * revocation could not reach us. Close their sockets with "retry later" so connectors come back through the load
   * balancer to a node that has Redis (their requests wait out the grace window meanwhile). Their claims are given
   * back once Redis answers again (`PresenceKeeper.unclaim`).
   */
  #failClosed(): void {
    for (const agentId of this.#local.linkedAgents()) {
      this.#local.closeAgent(agentId, CloseCode.retryLater, "this gateway node lost its Redis", {
        expireNow: false,
      });
    }
  }

  // --- AgentHub ---

  async isOnline(agentIds: string[]): Promise<Map<string, boolean>> {
    await this.#keeper.fresh();
    const local = await this.#local.isOnline(agentIds);
    const elsewhere = agentIds.filter((id) => !local.get(id));
    const homes = await this.#presence.homes(elsewhere);
    return new Map(agentIds.map((id) => [id, Boolean(local.get(id) || homes.get(id))]));
  }

  /**
   * Every live call goes through its log, also when the agent is on this node: then any node can re-attach its
   * caller, and another node can take it over if the agent reconnects there.
   */
  async dispatch(call: RelayCall, sink: RelaySink): Promise<void> {
    await this.#keeper.fresh(); // a node that was frozen checks its claims before serving a local agent
    if ((await this.#local.isOnline([call.agentId])).get(call.agentId)) {
      await this.#agentSide.dispatch(call, this.#options.nodeId);
      return this.#follow(this.#options.nodeId, call.agentId, call.requestId, 0, sink);
    }
    const home = (await this.#presence.homes([call.agentId])).get(call.agentId);
    if (!home) throw errors.agentOffline(call.agentName);
    // Subscribed from before the call goes out until its log is followed: the acknowledgement's wake-up (which
    // carries it) finds the subscription made, and following does not unsubscribe and subscribe again meanwhile.
    const holding = this.#options.wakes.subscribe(this.#log.channel(call.requestId), () => {});
    try {
      await this.#inbox.send(home.node, { type: "dispatch", call, from: this.#options.nodeId });
      const ack = await this.#awaitAck(call.requestId);
      if (!ack) throw errors.agentOffline(call.agentName);
      if (!ack.ok) throw new ApiError(ack.status as 429, ack.code, ack.message);
      this.#follow(home.node, call.agentId, call.requestId, 0, sink);
    } finally {
      holding();
    }
  }

  /** Characters the logs of this node's calls keep in Redis (null: no node limit set). */
  get logChars(): number | null {
    return this.#log.nodeChars;
  }

  /** LocalAgentHome hooks: take over held requests on reconnect, log tasks' output. */
  async adoptHeld(
    agentId: string,
    unknown: Array<{ id: string; seq: number }>,
    held: Array<{ id: string; seq: number }>,
  ): Promise<PendingRequest[]> {
    const adopted = await this.#agentSide.adopt(agentId, unknown);
    // The node that had the agent hands over what was adopted here and fails, at once, what the agent lost.
    const previous = this.#previousOwner.get(agentId);
    this.#previousOwner.delete(agentId);
    if (previous) {
      const epoch = this.#keeper.held.get(agentId);
      await this.#inbox.send(previous, { type: "claimed", agentId, held: held.map(({ id }) => id), epoch });
    }
    return adopted;
  }

  requestSent(pending: PendingRequest): void {
    this.#agentSide.requestSent(pending);
  }

  async attach(
    agentId: string,
    requestId: string,
    follower: CallOwner & { afterSeq: number },
    sink: RelaySink,
  ): Promise<AttachOutcome> {
    const ack = await this.#agentSide.readAck(requestId);
    if (!ack?.ok || ack.call.agentId !== agentId)
      return this.#local.attach(agentId, requestId, follower, sink);
    if (!mayReach(follower, ack.call)) return "not_found";
    // A task's current delivery (its last acknowledgement) has a log of its own.
    const logId = logIdOf(ack.call);
    const replayed = await replayEnded(this.#log, logId, follower.afterSeq, sink);
    // A requeued delivery: nothing to follow now (the follower looks again, and finds the next delivery).
    if (replayed === "requeued") return "not_found";
    if (replayed !== "live") return replayed;
    const home = (await this.#presence.homes([agentId])).get(agentId);
    const node = home?.node ?? this.#options.nodeId;
    const from = this.#options.nodeId;
    if (node === from) await this.#agentSide.reattach(agentId, requestId, follower.user, from);
    else await this.#inbox.send(node, { type: "attach", agentId, requestId, user: follower.user, from });
    this.#follow(node, agentId, requestId, follower.afterSeq, sink, logId);
    return "attached";
  }

  async release(agentId: string, requestId: string, sink: RelaySink): Promise<void> {
    const following = this.#following.get(sink);
    if (!following) return this.#local.release(agentId, requestId, sink);
    following.stop();
    this.#following.delete(sink);
    const home = (await this.#presence.homes([agentId])).get(agentId);
    const node = home?.node ?? following.node;
    if (node === this.#options.nodeId) await this.#agentSide.release(agentId, requestId);
    else await this.#inbox.send(node, { type: "release", agentId, requestId });
  }

  /** A permission answer goes to the node that holds the agent, checked here as that node would (answer-routing.ts). */
  async answer(
    agentId: string,
    requestId: string,
    who: CallOwner,
    answer: PromptAnswer,
    options: { ofTask?: boolean } = {},
  ): Promise<PromptAnswerOutcome> {
    return this.#answers.answer(agentId, requestId, who, answer, options);
  }

  async cancel(agentId: string, requestId: string): Promise<void> {
    await this.#local.cancel(agentId, requestId);
    const home = (await this.#presence.homes([agentId])).get(agentId);
    if (home && home.node !== this.#options.nodeId) {
      await this.#inbox.send(home.node, { type: "cancel", agentId, requestId });
    }
  }

  async taskQueued(agentId: string, taskId: string): Promise<void> {
    await this.#keeper.fresh();
    if ((await this.#local.isOnline([agentId])).get(agentId)) return this.#local.taskQueued(agentId, taskId);
    const home = (await this.#presence.homes([agentId])).get(agentId);
    // Offline everywhere: the task waits in the store and is delivered when the agent connects.
    if (home) await this.#inbox.send(home.node, { type: "taskQueued", agentId, taskId });
  }

  async disconnectToken(tokenId: string): Promise<void> {
    await this.#local.disconnectToken(tokenId);
    for (const node of await this.#nodes())
      await this.#inbox.send(node, { type: "disconnectToken", tokenId });
  }

  async disconnectAgent(agentId: string): Promise<void> {
    await this.#local.disconnectAgent(agentId);
    const home = (await this.#presence.homes([agentId])).get(agentId);
    if (home && home.node !== this.#options.nodeId) {
      await this.#inbox.send(home.node, { type: "disconnectAgent", agentId });
    }
  }

  dispose(): void {
    this.#keeper.dispose();
    this.#listening.stop();
    for (const following of this.#following.values()) following.stop();
  }

  // --- the caller's node ---

  #awaitAck(requestId: string): Promise<AckOutcome | null> {
    const { wakes, ackTimeoutMs } = this.#options;
    const channel = this.#log.channel(requestId);
    return awaitAck(() => this.#agentSide.readAck(requestId), wakes.subscribe, channel, ackTimeoutMs ?? 2000);
  }

  /** Follows a request's log (`logId`, by default its request id: a live call's) into `sink`. */
  #follow(
    node: string,
    agentId: string,
    requestId: string,
    afterSeq: number,
    sink: RelaySink,
    logId = requestId,
  ): void {
    const { wakes, keepaliveMs, graceMs } = this.#options;
    const deps = {
      log: this.#log,
      presence: this.#presence,
      subscribe: wakes.subscribe,
      keepaliveMs,
      graceMs,
    };
    const following = followRequest(deps, { node, agentId, logId, afterSeq }, sink, () =>
      this.#following.delete(sink),
    );
    this.#following.set(sink, { stop: following.stop, node, agentId, requestId });
  }

  async #nodes(): Promise<string[]> {
    const nodes = (await this.#options.redis.call(
      "ZRANGE",
      `${this.#options.prefix}cluster:nodes`,
      0,
      -1,
    )) as string[];
    return nodes.filter((node) => node !== this.#options.nodeId);
  }

  #report(error: unknown, stage: string): void {
    this.#options.onError(error, { stage });
  }
}
