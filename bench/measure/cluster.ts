/**
 * Cluster: two Bun nodes with AGENT_MESH_CLUSTER=redis on one redis-server; the bench agent connects to node A.
 * The same round-trip and streaming measurements as the relay rows, once with the caller on node A (same node)
 * and once on node B (the call crosses nodes: inbox, acknowledgement, output log in Redis).
 */
import { startRedisServer } from "../lib/bench-cluster.ts";
import type { BenchProcess } from "../lib/processes.ts";
import { apiPost, connectAgent, type RelayTarget } from "../lib/relay-target.ts";
import { freePort, type GatewayServer, startGateway } from "../lib/servers.ts";
import { measureRoundTrip, type RoundTripResult } from "./round-trip.ts";
import { measureStreaming, type StreamingResult } from "./streaming.ts";

export interface ClusterResult {
  same: { roundTrip: RoundTripResult; streaming: StreamingResult };
  cross: { roundTrip: RoundTripResult; streaming: StreamingResult };
}

export async function measureCluster(): Promise<ClusterResult> {
  const port = await freePort();
  const redis = startRedisServer(port);
  const started: Array<GatewayServer | BenchProcess> = [redis];
  try {
    await redis.waitFor(/Ready to accept connections/);
    const env = (node: string, adminToken?: string) => ({
      AGENT_MESH_STORE: "redis",
      REDIS_URL: `redis://127.0.0.1:${port}`,
      AGENT_MESH_CLUSTER: "redis",
      AGENT_MESH_NODE_ID: node,
      AGENT_MESH_SECRET: "bench-cluster-secret",
      ...(adminToken ? { AGENT_MESH_ADMIN_TOKEN: adminToken } : {}),
    });
    const a = await startGateway("bun", { store: "memory", env: env("a") });
    started.push(a);
    const b = await startGateway("bun", { store: "memory", env: env("b", a.adminToken) });
    started.push(b);
    const user = await apiPost(a.url, a.adminToken, "/v1/tokens", { name: "bench" });
    await apiPost(a.url, user.token, "/v1/agents", { name: "echo" });
    started.push(await connectAgent(a.url, user.token, "echo"));
    const target = (gateway: GatewayServer): RelayTarget => ({
      kind: "gateway",
      runtime: "bun",
      url: gateway.url,
      token: user.token,
      messagesPath: "/v1/agents/echo/messages",
      serverPid: gateway.process.pid,
      stop: async () => {},
    });
    const same = {
      roundTrip: await measureRoundTrip(target(a)),
      streaming: await measureStreaming(target(a)),
    };
    const cross = {
      roundTrip: await measureRoundTrip(target(b)),
      streaming: await measureStreaming(target(b)),
    };
    return { same, cross };
  } finally {
    for (const proc of started.reverse()) await proc.stop();
  }
}
