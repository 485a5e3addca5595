/**
 * Where each agent's socket lives when several gateway nodes share one Redis (building block of the Redis
 * `AgentHub`; not wired into the gateway yet). Per agent:
 *
 * - `cluster:home:<agentId>` = `<node>|<epoch>`, with a TTL the owner refreshes (so a node that vanishes stops
 *   claiming its agents within `ttlMs`, whatever else fails);
 * - `cluster:epoch:<agentId>`, INCR'd by every claim: the **fence**. A node only keeps (or re-takes) an agent while
 *   the epoch it got is still the newest, checked inside Lua, so a node that froze (SIGSTOP, GC pause, partition)
 *   and wakes finds out it lost the agent instead of serving it next to the new owner;
 * - `cluster:node-agents:<node>`: the agents a node holds, and `cluster:nodes` (node → last heartbeat, a sorted
 *   set), so a dead node's presence is removed by reading its own set, never by scanning the keyspace.
 *
 * One Redis (not Redis Cluster): the scripts touch keys of different hash slots.
 * @module
 */

/** The part of an ioredis client presence uses. */
export interface RedisCaller {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

export interface PresenceOptions {
  redis: RedisCaller;
  /** Key prefix shared with the session store, e.g. `agent-mesh:`. */
  prefix: string;
  nodeId: string;
  /** How long a claim lives without a refresh. */
  ttlMs: number;
}

export interface Home {
  node: string;
  epoch: number;
}

/** Takes the agent for this node: a new epoch, the home key, the node's set. Returns the epoch and the old home. */
const CLAIM = `
local previous = redis.call('GET', KEYS[2]) or redis.call('GET', KEYS[4])
local epoch = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1] .. '|' .. epoch, 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return {epoch, previous or ''}`;

/**
 * Keeps each claim of a slice alive while it is still ours: the home key names us, or it expired and nobody claimed
 * since (the epoch counter is still ours). Otherwise drops the agent from our set: we were fenced off. KEYS[1] is
 * the node's set; ARGV[1] the TTL, ARGV[2] the node, ARGV[3] the prefix of the home and epoch keys, then an agent id
 * and its epoch per agent. Answers the 1-based positions of the agents we lost. One call per slice instead of one
 * per agent: an idle node refreshes every agent every second, so the script builds each agent's key names and claim
 * itself rather than the node sending five strings per agent per second (whose garbage a node's RSS kept: 4.5 KB
 * per agent at 6,000 agents). The script already spans many agents' keys, so it was never for a sharded Redis.
 */
const REFRESH = `
local lost = {}
local ttl, node, prefix = ARGV[1], ARGV[2], ARGV[3]
for i = 1, (#ARGV - 3) / 2 do
  local agent, epoch = ARGV[2 * i + 2], ARGV[2 * i + 3]
  local home_key = prefix .. 'home:' .. agent
  local claim = node .. '|' .. epoch
  local home = redis.call('GET', home_key)
  if home == claim or (not home and redis.call('GET', prefix .. 'epoch:' .. agent) == epoch) then
    redis.call('SET', home_key, claim, 'PX', ttl)
    if not home then redis.call('SADD', KEYS[1], agent) end
  else
    redis.call('SREM', KEYS[1], agent)
    lost[#lost + 1] = i
  end
end
return lost`;

/** Agents refreshed per script call (bounded, so one call never holds Redis long). */
const REFRESH_SLICE = 500;
/** Slice calls in flight at once: enough to hide round trips, few enough that a heartbeat builds little at once. */
const REFRESH_IN_FLIGHT = 2;

/**
 * Deletes the home key only if it is exactly `ARGV[1]` (`node|epoch`), or, with ARGV[2] = '1', any epoch of that
 * node; remembers it for a while as the agent's last home (KEYS[3]), so the node that takes the agent next can tell
 * this one which requests the connector still holds.
 */
const RELEASE = `
local home = redis.call('GET', KEYS[1])
local mine = home == ARGV[1] or (ARGV[2] == '1' and home and string.sub(home, 1, #ARGV[1] + 1) == ARGV[1] .. '|')
if mine then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[3], home, 'PX', ARGV[4])
end
redis.call('SREM', KEYS[2], ARGV[3])
if mine then return 1 end
return 0`;

/** How long a released agent's last home is remembered (well above any grace window). */
const LAST_HOME_MS = 60_000;

export class ClusterPresence {
  readonly #redis: RedisCaller;
  readonly #prefix: string;
  readonly #node: string;
  readonly #ttlMs: number;

  constructor(options: PresenceOptions) {
    if (options.nodeId.includes("|")) throw new Error("[gateway] [cluster] a node id cannot contain `|`");
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#node = options.nodeId;
    this.#ttlMs = options.ttlMs;
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
      this.#ttlMs,
      agentId,
    )) as [number, string];
    const node = previous ? previous.slice(0, previous.lastIndexOf("|")) : "";
    return { epoch: Number(epoch), previous: node && node !== this.#node ? node : null };
  }

  /**
   * Heartbeat: refreshes every claim this node holds and its own liveness. Returns the agents it no longer owns
   * (another node claimed them): their sockets here must be closed, not served.
   */
  async refresh(held: ReadonlyMap<string, number>): Promise<string[]> {
    await this.#redis.call("ZADD", this.#nodes(), Date.now(), this.#node);
    // Slices are built as they are sent, at most REFRESH_IN_FLIGHT at a time, straight from the map (no copy of
    // it): this runs every second, so what it allocates per agent is what an idle node's memory churns through.
    const claims = held.entries();
    const lost: string[] = [];
    const keyPrefix = `${this.#prefix}cluster:`;
    const sendSlices = async (): Promise<void> => {
      for (;;) {
        const args: Array<string | number> = [this.#ttlMs, this.#node, keyPrefix];
        for (let next = claims.next(); !next.done; next = claims.next()) {
          args.push(next.value[0], next.value[1]);
          if (args.length === 3 + 2 * REFRESH_SLICE) break;
        }
        if (args.length === 3) return;
        const positions = (await this.#redis.call(
          "EVAL",
          REFRESH,
          1,
          this.#agentsOf(this.#node),
          ...args,
        )) as number[];
        for (const position of positions) lost.push(args[3 + 2 * (Number(position) - 1)] as string);
      }
    };
    await Promise.all(Array.from({ length: REFRESH_IN_FLIGHT }, sendSlices));
    return lost;
  }

  async release(agentId: string, epoch: number): Promise<boolean> {
    const keys = [this.#home(agentId), this.#agentsOf(this.#node), this.#lastHome(agentId)];
    const args = [`${this.#node}|${epoch}`, "0", agentId, LAST_HOME_MS];
    const reply = await this.#redis.call("EVAL", RELEASE, 3, ...keys, ...args);
    return Number(reply) === 1;
  }

  /** Whether this node still holds the agent at `epoch` (checked before acting for it after a pause). */
  async owns(agentId: string, epoch: number): Promise<boolean> {
    return (await this.#redis.call("GET", this.#home(agentId))) === `${this.#node}|${epoch}`;
  }

  /** Where each agent lives now (one MGET), null when it has no live socket anywhere. */
  async homes(agentIds: string[]): Promise<Map<string, Home | null>> {
    const found = new Map<string, Home | null>();
    if (agentIds.length === 0) return found;
    const values = (await this.#redis.call("MGET", ...agentIds.map(this.#home))) as Array<string | null>;
    agentIds.forEach((agentId, i) => {
      const value = values[i];
      const bar = value ? value.lastIndexOf("|") : -1;
      found.set(
        agentId,
        value && bar > 0 ? { node: value.slice(0, bar), epoch: Number(value.slice(bar + 1)) } : null,
      );
    });
    return found;
  }

  /** Which of `nodes` had a heartbeat within `deadAfterMs` (one ZMSCORE). This node is always live. */
  async liveNodes(nodes: string[], deadAfterMs: number): Promise<Set<string>> {
    const others = nodes.filter((node) => node !== this.#node);
    const live = new Set(nodes.filter((node) => node === this.#node));
    if (others.length === 0) return live;
    const scores = (await this.#redis.call("ZMSCORE", this.#nodes(), ...others)) as Array<string | null>;
    const cutoff = Date.now() - deadAfterMs;
    others.forEach((node, i) => {
      if (scores[i] !== null && Number(scores[i]) >= cutoff) live.add(node);
    });
    return live;
  }

  /**
   * Removes the presence of nodes whose last heartbeat is older than `deadAfterMs` (SIGKILL'd, powered off):
   * reads each dead node's own set of agents, deletes those home keys that still name it, forgets the node.
   * Returns the nodes removed. Any node may run it; running it twice is harmless.
   */
  async reapDeadNodes(deadAfterMs: number): Promise<string[]> {
    const cutoff = Date.now() - deadAfterMs;
    const dead = (await this.#redis.call("ZRANGEBYSCORE", this.#nodes(), "-inf", `(${cutoff}`)) as string[];
    for (const node of dead) {
      if (node === this.#node) continue;
      const agents = (await this.#redis.call("SMEMBERS", this.#agentsOf(node))) as string[];
      await Promise.all(
        agents.map((agentId) =>
          this.#redis.call(
            "EVAL",
            RELEASE,
            3,
            this.#home(agentId),
            this.#agentsOf(node),
            this.#lastHome(agentId),
            node,
            "1",
            agentId,
            LAST_HOME_MS,
          ),
        ),
      );
      await this.#redis.call("DEL", this.#agentsOf(node));
      await this.#redis.call("ZREM", this.#nodes(), node);
    }
    return dead.filter((node) => node !== this.#node);
  }
}
