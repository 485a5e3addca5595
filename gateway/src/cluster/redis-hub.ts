/**
 * The `AgentHub` of a gateway node in a cluster (`AGENT_MESH_CLUSTER=redis`): beside the in-process home and the
 * Durable Object hub, it wraps this node's `LocalAgentHome` and reaches agents whose socket another node holds.
 *
 * - Presence (`presence.ts`): a node claims an agent when its socket says hello here (a new epoch fences the earlier
 *   owner), refreshes its claims every `ttlMs / 3`, and closes the sockets of agents another node took over.
 * - A call for an agent on another node goes to that node's inbox (`node-inbox.ts`); that node dispatches it to its
 *   local home, so per-agent in-flight limits and the agent's queue work as on one node, writes an acknowledgement
 *   (accepted, or the refusal: agent_offline / agent_busy) and then every chunk into the request's log
 *   (`request-log.ts`), which the caller's node follows by seq: each chunk once, a lost wake-up only delays.
 * - No answer within `ackTimeoutMs` means the owner is gone: `agent_offline`, as on one node.
 * @module
 */
import { ApiError, errors } from "../errors.ts";
import { CloseCode } from "../protocol/index.ts";
import type { LocalAgentHome } from "../relay/local-home.ts";
import type { AgentHub, AttachOutcome, RelayCall, RelaySink } from "../relay/types.ts";
import { logSink } from "./log-sink.ts";
import { NodeInbox } from "./node-inbox.ts";
import { ClusterPresence, type RedisCaller } from "./presence.ts";
import { RequestLog } from "./request-log.ts";
import type { WakeBus } from "./wake-bus.ts";

export interface RedisHubOptions {
  redis: RedisCaller;
  wakes: WakeBus;
  prefix: string;
  nodeId: string;
  /** Presence TTL; a node that stops refreshing loses its agents after this long. Default 3 s. */
  presenceTtlMs?: number;
  ackTimeoutMs?: number;
  keepaliveMs: number;
  /** How long an agent may be away before its requests fail (the gateway's grace window). */
  graceMs: number;
  onError: (error: unknown, context: { stage: string }) => void;
}

type Ack = { ok: true; user: string } | { ok: false; status: number; code: string; message: string };

export class RedisAgentHub implements AgentHub {
  readonly #local: LocalAgentHome;
  readonly #options: RedisHubOptions;
  readonly #presence: ClusterPresence;
  readonly #log: RequestLog;
  readonly #inbox: NodeInbox;
  /** Agents whose socket is here, with the epoch of their claim. */
  readonly #held = new Map<string, number>();
  /** Requests this node runs for callers elsewhere: their log-writing sinks. */
  readonly #served = new Map<string, RelaySink>();
  /** Requests this node follows for its callers: caller sink → what to stop. */
  readonly #following = new Map<
    RelaySink,
    { stop(): void; node: string; agentId: string; requestId: string }
  >();
  readonly #timers: Array<ReturnType<typeof setInterval>> = [];
  readonly #listening: { stop(): void };
  #lastHeartbeat = Date.now();

  constructor(local: LocalAgentHome, options: RedisHubOptions) {
    this.#local = local;
    this.#options = options;
    const ttlMs = options.presenceTtlMs ?? 3000;
    this.#presence = new ClusterPresence({
      redis: options.redis,
      prefix: options.prefix,
      nodeId: options.nodeId,
      ttlMs,
    });
    this.#log = new RequestLog({ redis: options.redis, prefix: options.prefix });
    this.#inbox = new NodeInbox(options.redis, options.prefix);
    this.#listening = this.#inbox.listen(
      options.nodeId,
      options.wakes.subscribe,
      (c) => this.#handle(c),
      (e) => this.#report(e, "cluster-inbox"),
    );
    const heartbeat = setInterval(() => void this.#heartbeat(ttlMs), Math.max(100, ttlMs / 3));
    (heartbeat as { unref?: () => void }).unref?.();
    this.#timers.push(heartbeat);
    void this.#heartbeat(ttlMs);
  }

  // --- presence hooks (LocalAgentHome beforeLink / onUnlinked) ---

  async linked(agentId: string): Promise<number> {
    const epoch = await this.#presence.claim(agentId);
    this.#held.set(agentId, epoch);
    return epoch;
  }

  unlinked(agentId: string, epoch: number): void {
    if (this.#held.get(agentId) !== epoch) return; // a newer socket of the agent is linked here
    this.#held.delete(agentId);
    this.#presence.release(agentId, epoch).catch((error) => this.#report(error, "cluster-release"));
  }

  async #heartbeat(ttlMs: number): Promise<void> {
    try {
      const lost = await this.#presence.refresh(this.#held);
      this.#lastHeartbeat = Date.now();
      for (const agentId of lost) {
        // Another node holds the agent now (this node was frozen or cut off): never serve it from here again.
        this.#held.delete(agentId);
        this.#local.closeAgent(agentId, CloseCode.replaced, "the agent connected to another node", {
          expireNow: true,
        });
      }
      await this.#presence.reapDeadNodes(ttlMs * 3);
    } catch (error) {
      this.#report(error, "cluster-heartbeat");
      if (Date.now() - this.#lastHeartbeat > ttlMs) this.#failClosed();
    }
  }

  /**
   * Cut off from Redis longer than a presence TTL: other nodes already count our agents offline, and a revocation
   * could not reach us. Close their sockets with "retry later" so connectors come back through the load balancer
   * to a node that has Redis (their requests wait out the grace window meanwhile).
   */
  #failClosed(): void {
    for (const agentId of this.#local.linkedAgents()) {
      this.#held.delete(agentId);
      this.#local.closeAgent(agentId, CloseCode.retryLater, "this gateway node lost its Redis", { expireNow: false });
    }
  }

  // --- AgentHub ---

  async isOnline(agentIds: string[]): Promise<Map<string, boolean>> {
    const local = await this.#local.isOnline(agentIds);
    const elsewhere = agentIds.filter((id) => !local.get(id));
    const homes = await this.#presence.homes(elsewhere);
    return new Map(agentIds.map((id) => [id, Boolean(local.get(id) || homes.get(id))]));
  }

  async dispatch(call: RelayCall, sink: RelaySink): Promise<void> {
    if ((await this.#local.isOnline([call.agentId])).get(call.agentId))
      return this.#local.dispatch(call, sink);
    const home = (await this.#presence.homes([call.agentId])).get(call.agentId);
    if (!home) throw errors.agentOffline(call.agentName);
    await this.#inbox.send(home.node, { type: "dispatch", call });
    const ack = await this.#awaitAck(call.requestId);
    if (!ack) throw errors.agentOffline(call.agentName);
    if (!ack.ok) throw new ApiError(ack.status as 429, ack.code, ack.message);
    this.#follow(home.node, call.agentId, call.requestId, 0, sink);
  }

  async attach(
    agentId: string,
    requestId: string,
    follower: { user: string; afterSeq: number },
    sink: RelaySink,
  ): Promise<AttachOutcome> {
    const local = await this.#local.attach(agentId, requestId, follower, sink);
    if (local !== "not_found") return local;
    const ack = await this.#readAck(requestId);
    const home = (await this.#presence.homes([agentId])).get(agentId);
    if (!ack?.ok || ack.user !== follower.user || !home) return "not_found";
    const entries = await this.#log.read(requestId, follower.afterSeq, 1);
    if (entries === "gap") return "gap";
    await this.#inbox.send(home.node, { type: "attach", agentId, requestId, user: follower.user });
    this.#follow(home.node, agentId, requestId, follower.afterSeq, sink);
    return "attached";
  }

  async release(agentId: string, requestId: string, sink: RelaySink): Promise<void> {
    const following = this.#following.get(sink);
    if (!following) return this.#local.release(agentId, requestId, sink);
    following.stop();
    this.#following.delete(sink);
    await this.#inbox.send(following.node, { type: "release", agentId, requestId });
  }

  async cancel(agentId: string, requestId: string): Promise<void> {
    await this.#local.cancel(agentId, requestId);
    const home = (await this.#presence.homes([agentId])).get(agentId);
    if (home && home.node !== this.#options.nodeId) {
      await this.#inbox.send(home.node, { type: "cancel", agentId, requestId });
    }
  }

  async taskQueued(agentId: string, taskId: string): Promise<void> {
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
    for (const timer of this.#timers) clearInterval(timer);
    this.#listening.stop();
    for (const following of this.#following.values()) following.stop();
  }

  // --- the agent's node: commands from callers' nodes ---

  #handle(command: Record<string, unknown>): void {
    const run = async () => {
      switch (command.type) {
        case "dispatch": {
          const call = command.call as RelayCall;
          const sink = logSink(this.#log, call.requestId, (e) => this.#report(e, "cluster-log"));
          let ack: Ack;
          try {
            await this.#local.dispatch(call, sink);
            this.#served.set(call.requestId, sink);
            ack = { ok: true, user: call.user };
          } catch (error) {
            const api = error instanceof ApiError ? error : errors.agentOffline(call.agentName);
            ack = { ok: false, status: api.status, code: api.code, message: api.message };
          }
          await this.#options.redis.call(
            "SET",
            this.#ackKey(call.requestId),
            JSON.stringify(ack),
            "PX",
            60_000,
          );
          await this.#options.redis.call("PUBLISH", this.#log.channel(call.requestId), "ack");
          return;
        }
        case "attach": {
          const sink = this.#served.get(String(command.requestId));
          if (sink) {
            const follower = { user: String(command.user), afterSeq: 2 ** 31 };
            await this.#local.attach(String(command.agentId), String(command.requestId), follower, sink);
          }
          return;
        }
        case "release": {
          const sink = this.#served.get(String(command.requestId));
          if (sink) await this.#local.release(String(command.agentId), String(command.requestId), sink);
          return;
        }
        case "cancel":
          return this.#local.cancel(String(command.agentId), String(command.requestId));
        case "taskQueued":
          return this.#local.taskQueued(String(command.agentId), String(command.taskId));
        case "disconnectToken":
          return this.#local.disconnectToken(String(command.tokenId));
        case "disconnectAgent":
          return this.#local.disconnectAgent(String(command.agentId));
      }
    };
    run().catch((error) => this.#report(error, `cluster-${String(command.type)}`));
  }

  // --- the caller's node ---

  #ackKey = (requestId: string) => `${this.#options.prefix}cluster:ack:${requestId}`;

  async #readAck(requestId: string): Promise<Ack | null> {
    const raw = await this.#options.redis.call("GET", this.#ackKey(requestId));
    return raw ? (JSON.parse(String(raw)) as Ack) : null;
  }

  /** Waits for the agent's node to accept or refuse the call; null when it does not answer in time. */
  async #awaitAck(requestId: string): Promise<Ack | null> {
    const deadline = Date.now() + (this.#options.ackTimeoutMs ?? 2000);
    let wake: () => void = () => {};
    const unsubscribe = this.#options.wakes.subscribe(this.#log.channel(requestId), () => wake());
    try {
      while (Date.now() < deadline) {
        const ack = await this.#readAck(requestId);
        if (ack) return ack;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      return null;
    } finally {
      unsubscribe();
    }
  }

  #follow(node: string, agentId: string, requestId: string, afterSeq: number, sink: RelaySink): void {
    let quietSince = Date.now();
    let homeLostAt: number | null = null;
    const keepalive = setInterval(() => {
      if (Date.now() - quietSince >= this.#options.keepaliveMs) {
        quietSince = Date.now();
        sink.keepalive?.();
      }
      // The node running the request died or lost the agent: once the agent has been away from it for the grace
      // window (it would have come back there by then), the caller gets a clean agent_offline instead of silence.
      this.#presence
        .homes([agentId])
        .then((homes) => {
          if (homes.get(agentId)?.node === node) homeLostAt = null;
          else if (homeLostAt === null) homeLostAt = Date.now();
          else if (Date.now() - homeLostAt > this.#options.graceMs) {
            stop();
            sink.error("agent_offline", "The agent's gateway node went away while it was answering.");
          }
        })
        .catch(() => {});
    }, this.#options.keepaliveMs);
    const following = this.#log.follow(
      requestId,
      afterSeq,
      this.#options.wakes.subscribe,
      (entry) => {
        quietSince = Date.now();
        if (entry.type === "chunk") return sink.chunk(entry.seq, entry.kind, entry.delta);
        stop();
        if (entry.type === "done") sink.done(entry.frame);
        else sink.error(entry.code, entry.message);
      },
      { onGap: () => sink.error("resume_gap", "Part of this request's output is no longer kept.") },
    );
    const stop = () => {
      clearInterval(keepalive);
      following.stop();
      this.#following.delete(sink);
    };
    this.#following.set(sink, { stop, node, agentId, requestId });
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
