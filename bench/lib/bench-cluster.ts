/**
 * A bench cluster: one redis-server (no persistence) and `size` Bun gateway nodes with AGENT_MESH_CLUSTER=redis,
 * one admin token and secret. Every process goes through bench/lib/processes.ts, so each is stopped by its PID.
 */
import Redis from "ioredis";
import { type BenchProcess, startProcess } from "./processes.ts";
import { freePort, type GatewayServer, startGateway } from "./servers.ts";

export interface BenchCluster {
  nodes: GatewayServer[];
  adminToken: string;
  /** A client of the cluster's Redis (INFO, presence keys). */
  redis: Redis;
  /** The redis-server process (its CPU time). */
  redisPid: number;
  /** Stops node `index` and starts a fresh process in its place (same port, same settings). */
  restartNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server on `port` with no persistence: bench data is thrown away. Waits for nothing (see `waitFor`). */
export function startRedisServer(port: number): BenchProcess {
  return startProcess("redis", ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", ""]);
}

export async function startBenchCluster(
  size: number,
  env: Record<string, string> = {},
): Promise<BenchCluster> {
  const port = await freePort();
  const server = startRedisServer(port);
  const started: Array<GatewayServer | BenchProcess> = [server];
  const redis = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true });
  redis.on("error", () => {});
  const stop = async () => {
    redis.disconnect();
    for (const proc of started.reverse()) await proc.stop();
  };
  try {
    await server.waitFor(/Ready to accept connections/);
    await redis.connect();
    const adminToken = `bench-admin-${Math.random().toString(36).slice(2)}`;
    const nodes: GatewayServer[] = [];
    const startNode = async (i: number, nodePort?: number) => {
      const node = await startGateway("bun", {
        store: "memory", // replaced by the redis store below
        adminToken,
        port: nodePort,
        env: {
          AGENT_MESH_STORE: "redis",
          REDIS_URL: `redis://127.0.0.1:${port}`,
          AGENT_MESH_CLUSTER: "redis",
          AGENT_MESH_NODE_ID: `node-${i}`,
          AGENT_MESH_SECRET: "bench-cluster-secret",
          ...env,
        },
      });
      started.push(node);
      nodes[i] = node;
    };
    for (let i = 0; i < size; i++) await startNode(i);
    const restartNode = async (i: number) => {
      const old = nodes[i]!;
      await old.stop();
      started.splice(started.indexOf(old), 1);
      await startNode(i, Number(new URL(old.url).port));
    };
    return { nodes, adminToken, redis, redisPid: server.pid, restartNode, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `used_memory` from Redis's INFO memory, in bytes. */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error(`no used_memory in INFO memory:\n${info}`);
  return Number(match[1]);
}
