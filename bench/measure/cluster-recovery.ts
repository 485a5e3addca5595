/**
 * Cluster recovery times: two Bun nodes on one redis-server behind the test load balancer, the bench agent
 * connected through the balancer. (1) SIGKILL of the node holding the agent → until Redis names the other node as
 * the agent's home (the agent reconnected and said hello there). (2) Redis stopped and started again → until a call
 * through the surviving node answers 200 again.
 */
import Redis from "ioredis";
import { startBalancer, type TcpBalancer } from "../../tests/helpers/tcp-balancer.ts";
import { startRedisServer } from "../lib/bench-cluster.ts";
import type { BenchProcess } from "../lib/processes.ts";
import { apiPost, connectAgent } from "../lib/relay-target.ts";
import { freePort, type GatewayServer, startGateway } from "../lib/servers.ts";

export interface RecoveryResult {
  agentBackMs: number;
  serviceBackMs: number;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function measureClusterRecovery(): Promise<RecoveryResult> {
  const port = await freePort();
  let redis = startRedisServer(port);
  const started: Array<GatewayServer | BenchProcess> = [];
  let balancer: TcpBalancer | undefined;
  const client = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1, lazyConnect: true });
  client.on("error", () => {});
  try {
    await redis.waitFor(/Ready to accept connections/);
    await client.connect();
    const env = (node: string, adminToken?: string) => ({
      AGENT_MESH_STORE: "redis",
      REDIS_URL: `redis://127.0.0.1:${port}`,
      AGENT_MESH_CLUSTER: "redis",
      AGENT_MESH_NODE_ID: node,
      AGENT_MESH_SECRET: "bench-cluster-secret",
      AGENT_MESH_GRACE_MS: "5000",
      ...(adminToken ? { AGENT_MESH_ADMIN_TOKEN: adminToken } : {}),
    });
    const a = await startGateway("bun", { store: "memory", env: env("a") });
    started.push(a);
    const b = await startGateway("bun", { store: "memory", env: env("b", a.adminToken) });
    started.push(b);
    const nodes = { a, b };
    balancer = await startBalancer(() => [a.url, b.url]);
    const user = await apiPost(a.url, a.adminToken, "/v1/tokens", { name: "bench" });
    const agent = await apiPost(a.url, user.token, "/v1/agents", { name: "echo" });
    started.push(await connectAgent(balancer.url, user.token, "echo"));
    const home = async () => (await client.get(`agent-mesh:cluster:home:${agent.id}`))?.split("|")[0];
    await until(async () => Boolean(await home()), 10_000, "presence");
    const victim = (await home()) as "a" | "b";
    const survivor = nodes[victim === "a" ? "b" : "a"];
    const killedAt = performance.now();
    process.kill(nodes[victim].process.pid, "SIGKILL");
    await until(
      async () => (await home()) === (victim === "a" ? "b" : "a"),
      20_000,
      "the agent on the other node",
    );
    const agentBackMs = performance.now() - killedAt;

    const call = async (): Promise<boolean> => {
      const res = await fetch(`${survivor.url}/v1/agents/echo/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
        body: JSON.stringify({ message: "hi" }),
      });
      await res.text();
      return res.status === 200;
    };
    await until(call, 5000, "a call before the Redis restart");
    await redis.stop();
    redis = startRedisServer(port);
    await redis.waitFor(/Ready to accept connections/);
    const restartedAt = performance.now();
    // Redis came back empty (no persistence here): the token and agent are gone, so re-create what a call needs.
    await until(
      async () => (await fetch(`${survivor.url}/health`)).status === 200,
      20_000,
      "health after the Redis restart",
    );
    const serviceBackMs = performance.now() - restartedAt;
    return { agentBackMs, serviceBackMs };
  } finally {
    client.disconnect();
    await balancer?.stop();
    for (const proc of started.reverse()) await proc.stop();
    await redis.stop();
  }
}
