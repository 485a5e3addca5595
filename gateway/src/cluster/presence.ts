/**
 * Where each agent's socket lives when several gateway nodes share one Redis (part of the Redis `AgentHub`).
 *
 * - `cluster:nodes`: node → Redis's time of its last heartbeat (a sorted set). **Liveness is per node**: a node
 *   beats once per `liveMs / 3`, whatever the number of agents it holds, and counts as dead once its last beat is
 *   older than `liveMs`.
 * - `cluster:home:<agentId>` = `<node>|<epoch>`, without a TTL: readers count a home whose node is not live as no
 *   home (`homes`), so an agent of a node that died is offline within `liveMs`, and nobody rewrites homes to keep
 *   them alive.
 * - `cluster:epoch:<agentId>`, INCR'd by every claim: the **fence**. A node keeps (or takes back) an agent only while
 *   its epoch is the newest, checked inside Lua (`verify`), so a node that froze (SIGSTOP, GC pause, partition) and
 *   wakes finds out it lost the agent instead of serving it next to the new owner.
 * - `cluster:node-agents:<node>`: the agents a node holds, so a dead node's homes are removed by reading its own set,
 *   never by scanning the keyspace.
 *
 * The scripts are in `presence-scripts.ts`. One Redis (not Redis Cluster): they touch keys of different hash slots.
 * @module
 */
import {
  CLAIM,
  DEAD_NODES,
  HEARTBEAT,
  HOMES,
  LIVE_NODES,
  REAP_SLICE,
  RELEASE,
  VERIFY,
} from "./presence-scripts.ts";

/** The part of an ioredis client presence uses. */
export interface RedisCaller {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

export interface PresenceOptions {
  redis: RedisCaller;
  /** Key prefix shared with the session store, e.g. `agent-mesh:`. */
  prefix: string;
  nodeId: string;
  /** A node whose last heartbeat is older than this counts as dead: its agents are offline. */
  liveMs: number;
}

export interface Home {
  node: string;
  epoch: number;
}

/** Agents checked per script call (bounded, so one call never holds Redis long). */
const SLICE = 500;
/** Slice calls in flight at once: enough to hide round trips, few enough that a check builds little at once. */
const IN_FLIGHT = 2;
/** Home keys read per `homes` call (Lua's unpack has a limit; listings can ask for many agents). */
const HOMES_PER_CALL = 1000;
/** How long a released agent's last home is remembered (well above any grace window). */
const LAST_HOME_MS = 60_000;

export class ClusterPresence {
  readonly #redis: RedisCaller;
  readonly #prefix: string;
  readonly #node: string;
  readonly #liveMs: number;

  constructor(options: PresenceOptions) {
    if (options.nodeId.includes("|")) throw new Error("[gateway] [cluster] a node id cannot contain `|`");
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#node = options.nodeId;
    this.#liveMs = options.liveMs;
  }

  get nodeId(): string {
    return this.#node;
  }

  #home = (agentId: string) => `${this.#prefix}cluster:home:${agentId}`;
  #epoch = (agentId: string) => `${this.#prefix}cluster:epoch:${agentId}`;
  #agentsOf = (node: string) => `${this.#prefix}cluster:node-agents:${node}`;
  #nodes = () => `${this.#prefix}cluster:nodes`;
  #lastHome = (agentId: string) => `${this.#prefix}cluster:last-home:${agentId}`;

  /** Makes this node the agent's home (an agent said hello here); every earlier owner is fenced off. */
  async claim(agentId: string): Promise<number> {
    return (await this.claimFrom(agentId)).epoch;
  }

  /** `claim`, also telling which node held the agent before (null when none, or this node). */
  async claimFrom(agentId: string): Promise<{ epoch: number; previous: string | null }> {
    const keys = [
      this.#epoch(agentId),
      this.#home(agentId),
      this.#agentsOf(this.#node),
      this.#lastHome(agentId),
    ];
    const [epoch, previous] = (await this.#redis.call(
      "EVAL",
      CLAIM,
      4,
      ...keys,
      this.#node,
      agentId,
      this.#agentsOf(""),
    )) as [number, string];
    const node = previous ? previous.slice(0, previous.lastIndexOf("|")) : "";
    return { epoch: Number(epoch), previous: node && node !== this.#node ? node : null };
  }

  /**
   * This node's liveness: one command a beat, whatever it holds. `gap` is true when other nodes may have counted
   * this node dead since its previous beat (it was frozen, cut off, or removed as dead): the caller must then
   * `verify` every claim it holds before serving them again.
   */
  async heartbeat(): Promise<{ gap: boolean }> {
    const since = Number(await this.#redis.call("EVAL", HEARTBEAT, 1, this.#nodes(), this.#node));
    return { gap: since < 0 || since > this.#liveMs };
  }

  /**
   * Checks claims against Redis (reads only, in slices): returns the claims (agent, epoch) another node took since
   * (their sockets here must be closed, not served). A claim whose home key other nodes removed while they counted this
   * node dead is taken back if nobody claimed the agent since; `stillHeld` is asked afterwards, so a claim taken back
   * for an agent that left meanwhile is given up again instead of staying online.
   */
  async verify(
    claims: Iterator<[string, number]>,
    stillHeld: (agentId: string, epoch: number) => boolean,
  ): Promise<Array<[string, number]>> {
    const lost: Array<[string, number]> = [];
    const retaken: Array<[string, number]> = [];
    const keyPrefix = `${this.#prefix}cluster:`;
    const sendSlices = async (): Promise<void> => {
      for (;;) {
        // Built as sent, straight from the iterator (no copy of the node's claims).
        const args: Array<string | number> = [this.#node, keyPrefix];
        for (let next = claims.next(); !next.done; next = claims.next()) {
          args.push(next.value[0], next.value[1]);
          if (args.length === 2 + 2 * SLICE) break;
        }
        if (args.length === 2) return;
        const positions = (await this.#redis.call(
          "EVAL",
          VERIFY,
          1,
          this.#agentsOf(this.#node),
          ...args,
        )) as number[];
        for (const position of positions.map(Number)) {
          const at = 2 * Math.abs(position);
          const claim: [string, number] = [args[at] as string, Number(args[at + 1])];
          (position > 0 ? lost : retaken).push(claim);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, sendSlices));
    for (const [agentId, epoch] of retaken)
      if (!stillHeld(agentId, epoch)) await this.release(agentId, epoch);
    return lost;
  }

  async release(agentId: string, epoch: number): Promise<boolean> {
    const keys = [this.#home(agentId), this.#agentsOf(this.#node), this.#lastHome(agentId)];
    const reply = await this.#redis.call(
      "EVAL",
      RELEASE,
      3,
      ...keys,
      `${this.#node}|${epoch}`,
      agentId,
      LAST_HOME_MS,
    );
    return Number(reply) === 1;
  }

  /** Whether this node still holds the agent at `epoch` (checked before acting for it after a pause). */
  async owns(agentId: string, epoch: number): Promise<boolean> {
    return (await this.#redis.call("GET", this.#home(agentId))) === `${this.#node}|${epoch}`;
  }

  /** Where each agent lives now, null when it has no home on a live node (one script call per 1,000 agents). */
  async homes(agentIds: string[]): Promise<Map<string, Home | null>> {
    const found = new Map<string, Home | null>();
    for (let start = 0; start < agentIds.length; start += HOMES_PER_CALL) {
      const ids = agentIds.slice(start, start + HOMES_PER_CALL);
      const keys = [this.#nodes(), ...ids.map(this.#home)];
      const values = (await this.#redis.call("EVAL", HOMES, keys.length, ...keys, this.#liveMs)) as Array<
        string | null
      >;
      ids.forEach((agentId, i) => {
        const value = values[i];
        const bar = value ? value.lastIndexOf("|") : -1;
        found.set(
          agentId,
          value && bar > 0 ? { node: value.slice(0, bar), epoch: Number(value.slice(bar + 1)) } : null,
        );
      });
    }
    return found;
  }

  /** Which of `nodes` had a heartbeat within `deadAfterMs` (Redis's clock). This node is always live. */
  async liveNodes(nodes: string[], deadAfterMs: number): Promise<Set<string>> {
    const others = nodes.filter((node) => node !== this.#node);
    const live = new Set(nodes.filter((node) => node === this.#node));
    if (others.length === 0) return live;
    const flags = (await this.#redis.call(
      "EVAL",
      LIVE_NODES,
      1,
      this.#nodes(),
      deadAfterMs,
      ...others,
    )) as number[];
    others.forEach((node, i) => {
      if (Number(flags[i]) === 1) live.add(node);
    });
    return live;
  }

  /**
   * Removes the presence of nodes whose last heartbeat is older than `deadAfterMs` (SIGKILL'd, powered off): pops
   * each dead node's own set of agents in slices, deletes those home keys that still name it, forgets the node.
   * A node that beats again meanwhile is left alone. Returns the nodes removed. Any node may run it; running it
   * twice is harmless.
   */
  async reapDeadNodes(deadAfterMs: number): Promise<string[]> {
    const dead = (await this.#redis.call("EVAL", DEAD_NODES, 1, this.#nodes(), deadAfterMs)) as string[];
    const removed: string[] = [];
    for (const node of dead) {
      if (node === this.#node) continue;
      if (await this.#reap(node, String(deadAfterMs))) removed.push(node);
    }
    return removed;
  }

  /**
   * At start: removes the homes an earlier process with this node id left (it was killed, or stopped without
   * releasing), read from this node's own set. Run before this process claims anything or beats.
   */
  async forgetEarlierRun(): Promise<void> {
    await this.#reap(this.#node, "own");
  }

  /** Pops the node's set slice by slice; false when the node turned out to be live. */
  async #reap(node: string, deadAfter: string): Promise<boolean> {
    const keys = [this.#nodes(), this.#agentsOf(node)];
    for (;;) {
      const args = [node, deadAfter, `${this.#prefix}cluster:`, SLICE, LAST_HOME_MS];
      const popped = Number(await this.#redis.call("EVAL", REAP_SLICE, 2, ...keys, ...args));
      if (popped < 0) return false;
      if (popped < SLICE) return true;
    }
  }
}
