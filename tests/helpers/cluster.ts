/**
 * A test cluster: one redis-server, gateway nodes of the given runtimes with AGENT_MESH_CLUSTER=redis (one store
 * prefix, admin token and secret), and a TCP load balancer in front. Everything is stopped by PID in `stop()`.
 * `startNodes` starts the nodes alone, for tests that talk to each node directly.
 */
import Redis from "ioredis";
import { type GatewayProcess, type RuntimeName, startGateway } from "./gateway-process.ts";
import { type RestartableRedis, startRestartableRedis } from "./redis-server.ts";
import { startBalancer } from "./tcp-balancer.ts";
import { waitFor } from "./wait.ts";

export interface TestCluster {
  nodes: GatewayProcess[];
  /** The load balancer's URL: what agents and callers use. */
  url: string;
  adminToken: string;
  redis: Redis;
  /** The store prefix every node uses (keys in `redis` are this plus the store's key). */
  prefix: string;
  /** The redis-server (append-only file: it can be halted and started again with its data). */
  server: RestartableRedis;
  /**
   * Resolves once every node answers `/health` with 200 again: each node finds Redis back on its own reconnect
   * schedule (up to a second apart), so a test that follows an outage waits for all of them.
   */
  storeBack(): Promise<void>;
  /** Cuts every connection through the load balancer (agents reconnect, likely to another node). */
  dropConnections(): void;
  /** Index in `nodes` of the node that holds the agent's socket now, or -1. */
  homeOf(agentId: string): Promise<number>;
  /** The whole cluster seen as one gateway (for the runtime contract suite): restart restarts every node. */
  asGateway(): GatewayProcess;
  stop(): Promise<void>;
}

/**
 * Gateway nodes of `runtimes` on one Redis, named `node-<index>`, sharing a fresh store prefix and admin token;
 * `env` adds to (or overrides) every node's environment, or each node's when it is a function of the index.
 */
export async function startNodes(
  redisUrl: string,
  runtimes: RuntimeName[],
  env: Record<string, string> | ((index: number) => Record<string, string>) = {},
): Promise<{ nodes: GatewayProcess[]; prefix: string; adminToken: string }> {
  const prefix = `cluster-${Date.now().toString(36)}:`;
  const adminToken = `cluster-admin-${Date.now().toString(36)}`;
  const nodes = await Promise.all(
    runtimes.map((runtime, i) =>
      startGateway({
        runtime,
        store: "redis",
        env: {
          AGENT_MESH_CLUSTER: "redis",
          AGENT_MESH_NODE_ID: `node-${i}`,
          REDIS_URL: redisUrl,
          AGENT_MESH_ADMIN_TOKEN: adminToken,
          AGENT_MESH_SECRET: "cluster-test-secret",
          AGENT_MESH_STORE_PREFIX: prefix,
          ...(typeof env === "function" ? env(i) : env),
        },
      }),
    ),
  );
  return { nodes, prefix, adminToken };
}

export async function startCluster(
  runtimes: RuntimeName[],
  nodeEnv?: (index: number) => Record<string, string>,
): Promise<TestCluster | null> {
  const server = await startRestartableRedis();
  if (!server) return null;
  const { nodes, prefix, adminToken } = await startNodes(server.url, runtimes, nodeEnv);
  const balancer = await startBalancer(() => nodes.map((node) => node.url));
  const redis = new Redis(server.url);
  redis.on("error", () => {}); // Redis is stopped on purpose in some tests
  const cluster: TestCluster = {
    nodes,
    server,
    prefix,
    url: balancer.url,
    adminToken,
    redis,
    dropConnections: () => balancer.dropAll(),
    async storeBack() {
      for (const node of nodes)
        await waitFor(async () => (await fetch(`${node.url}/health`).catch(() => null))?.status === 200, {
          what: `${node.url} serving from its store again`,
        });
    },
    async homeOf(agentId) {
      const home = await redis.get(`${prefix}cluster:home:${agentId}`);
      return home ? Number(home.split("|")[0]!.replace("node-", "")) : -1;
    },
    asGateway() {
      return {
        url: balancer.url,
        adminToken,
        dataDir: "",
        output: () => nodes.map((node) => node.output()).join("\n"),
        signal: () => {
          throw new Error("signal one node of the cluster, not the cluster");
        },
        stop: () => cluster.stop(),
        async restart(whileDown) {
          // Every node goes down, `whileDown` runs once, then every node comes back on its port.
          let down = 0;
          let allDown!: () => void;
          const barrier = new Promise<void>((resolve) => (allDown = resolve));
          await Promise.all(
            nodes.map((node) =>
              node.restart(async () => {
                if (++down === nodes.length) {
                  await whileDown?.();
                  allDown();
                }
                await barrier;
              }),
            ),
          );
        },
      };
    },
    async stop() {
      redis.disconnect();
      await balancer.stop();
      await Promise.all(nodes.map((node) => node.stop()));
      await server.stop();
    },
  };
  return cluster;
}
