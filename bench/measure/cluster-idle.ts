/**
 * Cluster with many idle agents: three Bun nodes on one redis-server; `CLUSTER_IDLE.agents` agents are created,
 * then raw WebSocket clients (bench/agents/lean-agents.ts, one generator per node) say hello to the node they are given
 * (a third each) and ping every heartbeat. Reported:
 *
 * - RSS per agent, per node: the node's VmRSS after every socket is welcomed and one full heartbeat passed, minus
 *   before connecting, divided by the agents on that node. Node 0, through which the agents were created, is
 *   restarted first, so every node is a fresh process when its agents connect. What it includes besides the
 *   sockets: garbage the node has not collected yet, so it depends a little on the moment read (presence no longer
 *   refreshes every claim every second: one heartbeat per node and a bounded ownership audit).
 * - Redis memory per agent: `used_memory` (INFO memory) at the same two moments, divided by all agents: what
 *   presence costs (home key, epoch, the node's agent set) beyond the agents' own records.
 * - What staying idle costs over that heartbeat: each node's CPU share, Redis's CPU share and commands per second
 *   (node heartbeats, the ownership audit, inbox polls).
 */
import { lastCountsIn } from "../agents/lean-counts.ts";
import { type BenchCluster, redisUsedMemory, startBenchCluster } from "../lib/bench-cluster.ts";
import { httpClient } from "../lib/http-load.ts";
import { type BenchProcess, childFileLimit, readCpuSeconds, readRssKb } from "../lib/processes.ts";
import { apiPost } from "../lib/relay-target.ts";
import { startLeanAgents } from "../lib/servers.ts";

/** The fleet, capped so each generator (a third of the sockets) stays within the open-files limit. */
const AGENTS = Math.min(10_000, Math.floor((childFileLimit() - 1000) / 1000) * 3000);

export const CLUSTER_IDLE = {
  nodes: 3,
  agents: AGENTS,
  openingAtOnce: 128,
  sourceAddresses: Array.from({ length: 4 }, (_, i) => `127.0.0.${i + 2}`),
  /** The gateway's production heartbeat; RSS is read after one full interval so every socket pinged. */
  heartbeatMs: 15_000,
  settleMs: 3000,
  connectTimeoutMs: 120_000,
};

export interface ClusterIdleResult {
  agents: number;
  /** Per node: agents on it and RSS growth per agent (KB). */
  nodes: Array<{ agents: number; kbPerAgent: number; idleCpuPercent: number }>;
  redisBytesPerAgent: number;
  redisCommandsPerSecond: number;
  redisIdleCpuPercent: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createAgents(url: string, token: string, count: number): Promise<void> {
  const client = httpClient(url, token, 32);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < count) {
          const res = await client.post("/v1/agents", JSON.stringify({ name: `idle-${next++}` }));
          if (res.status !== 201) throw new Error(`creating an agent: ${res.status} ${res.body}`);
        }
      }),
    );
  } finally {
    client.close();
  }
}

function welcomedNow(proc: BenchProcess): { welcomed: number; closed: number } {
  return lastCountsIn(proc.output());
}

async function connectFleet(cluster: BenchCluster, token: string, shares: number[]): Promise<BenchProcess[]> {
  const fleet: BenchProcess[] = [];
  let first = 0;
  cluster.nodes.forEach((node, i) => {
    const options = {
      url: node.url,
      token,
      prefix: "idle-",
      first,
      count: shares[i]!,
      sourceAddresses: CLUSTER_IDLE.sourceAddresses,
      openingAtOnce: CLUSTER_IDLE.openingAtOnce,
      reconnect: false,
    };
    first += shares[i]!;
    fleet.push(startLeanAgents(`lean-node-${i}`, options));
  });
  const deadline = Date.now() + CLUSTER_IDLE.connectTimeoutMs;
  while (fleet.some((proc, i) => welcomedNow(proc).welcomed < shares[i]!)) {
    if (Date.now() > deadline) {
      const welcomed = fleet.reduce((sum, proc) => sum + welcomedNow(proc).welcomed, 0);
      throw new Error(`only ${welcomed} of ${CLUSTER_IDLE.agents} idle agents welcomed`);
    }
    await sleep(200);
  }
  return fleet;
}

/** Commands Redis processed so far (INFO stats). */
async function redisCommands(cluster: BenchCluster): Promise<number> {
  const match = /^total_commands_processed:(\d+)/m.exec(await cluster.redis.info("stats"));
  if (!match) throw new Error("no total_commands_processed in INFO stats");
  return Number(match[1]);
}

export async function measureClusterIdle(): Promise<ClusterIdleResult> {
  const { nodes: count, agents } = CLUSTER_IDLE;
  const cluster = await startBenchCluster(count);
  let fleet: BenchProcess[] = [];
  try {
    const [first] = cluster.nodes;
    const user = await apiPost(first!.url, cluster.adminToken, "/v1/tokens", { name: "idle" });
    await createAgents(first!.url, user.token, agents);
    // The agents were created through node 0, which grew its heap: a fresh process in its place, so every node
    // starts connecting from the same state (measured before: 3.5 KB per agent there, 8–9 KB on the other two).
    await cluster.restartNode(0);
    const shares = cluster.nodes.map((_, i) => Math.floor(agents / count) + (i < agents % count ? 1 : 0));
    await sleep(CLUSTER_IDLE.settleMs);
    const rssBefore = await Promise.all(cluster.nodes.map((node) => readRssKb(node.process.pid)));
    const redisBefore = await redisUsedMemory(cluster.redis);
    fleet = await connectFleet(cluster, user.token, shares);
    await sleep(CLUSTER_IDLE.settleMs);
    const cpuBefore = await Promise.all(cluster.nodes.map((node) => readCpuSeconds(node.process.pid)));
    const commandsBefore = await redisCommands(cluster);
    const redisCpuBefore = await readCpuSeconds(cluster.redisPid);
    const idleStarted = performance.now();
    await sleep(CLUSTER_IDLE.heartbeatMs);
    const idleSeconds = (performance.now() - idleStarted) / 1000;
    const cpuAfter = await Promise.all(cluster.nodes.map((node) => readCpuSeconds(node.process.pid)));
    const commandsAfter = await redisCommands(cluster);
    const redisCpuAfter = await readCpuSeconds(cluster.redisPid);
    const rssAfter = await Promise.all(cluster.nodes.map((node) => readRssKb(node.process.pid)));
    const redisAfter = await redisUsedMemory(cluster.redis);
    const closed = fleet.reduce((sum, proc) => sum + welcomedNow(proc).closed, 0);
    if (closed > 0) throw new Error(`${closed} idle sockets were closed during the measurement`);
    return {
      agents,
      nodes: shares.map((share, i) => ({
        agents: share,
        kbPerAgent: (rssAfter[i]! - rssBefore[i]!) / share,
        idleCpuPercent: ((cpuAfter[i]! - cpuBefore[i]!) / idleSeconds) * 100,
      })),
      redisBytesPerAgent: (redisAfter - redisBefore) / agents,
      redisCommandsPerSecond: (commandsAfter - commandsBefore) / idleSeconds,
      redisIdleCpuPercent: ((redisCpuAfter - redisCpuBefore) / idleSeconds) * 100,
    };
  } finally {
    await Promise.all(fleet.map((proc) => proc.stop()));
    await cluster.stop();
  }
}
