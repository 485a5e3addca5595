/**
 * Builds a self-hosted gateway (Bun, Deno, Node, `agent-mesh gateway`) from the environment and opened stores,
 * and prints a newly generated admin token once. Kept apart from the store choice (store-from-env.ts) so the
 * connector package, which embeds only the fs store, does not carry the Redis and Upstash clients.
 */
import process from "node:process";
import type { UpgradeWebSocket } from "hono/ws";
import {
  type ConnectorPackageSource,
  configFromEnv,
  createGateway,
  type Gateway,
  type GatewayOptions,
} from "../../gateway/src/index.ts";
import type { Stores } from "./fs-stores.ts";
import { agentCapacity, openFilesLimit } from "./open-files.ts";

export interface Boot {
  gateway: Gateway;
  hostname: string;
  port: number;
  /** Largest WebSocket frame the runtime should let through to the gateway (which enforces its own cap). */
  maxFrameBytes: number;
  /** The store as the start line names it: for fs with the folder its data is in (to back up, to find again). */
  store: string;
}

export interface GatewayFromEnvOptions {
  runtime: "bun" | "deno" | "node";
  env: Record<string, string | undefined>;
  upgradeWebSocket: UpgradeWebSocket;
  stores: Stores;
  connector?: ConnectorPackageSource;
  /** AGENT_MESH_CLUSTER=redis: where agent sockets live across nodes (docs/cluster.md). */
  cluster?: GatewayOptions["cluster"];
}

export async function gatewayFromEnv(options: GatewayFromEnvOptions): Promise<Boot> {
  const { env, stores } = options;
  const config = configFromEnv(env);
  // Unset: as many agents as the open-files limit leaves room for, so a flood of agents cannot starve callers.
  if (!env.AGENT_MESH_MAX_AGENTS) config.maxAgents = agentCapacity(openFilesLimit());
  const gateway = createGateway({
    runtime: options.runtime,
    store: stores.store,
    blobs: stores.blobs,
    config,
    upgradeWebSocket: options.upgradeWebSocket,
    connector: options.connector,
    cluster: options.cluster,
    adminToken: env.AGENT_MESH_ADMIN_TOKEN || undefined,
    secret: env.AGENT_MESH_SECRET || undefined,
    processStats: () => ({
      rssBytes: process.memoryUsage().rss,
      openFilesLimit: openFilesLimit()?.soft ?? null,
    }),
  });
  const { adminToken } = await gateway.init();
  if (adminToken) {
    console.log(`\n  Admin token (shown once, stored hashed; keep it safe):\n\n    ${adminToken}\n`);
  }
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  // A little above the gateway's cap so oversized frames reach the gateway and get its 1009 close with a reason.
  return {
    gateway,
    hostname: env.HOST ?? "127.0.0.1",
    port,
    maxFrameBytes: config.maxFrameBytes + 64 * 1024,
    store: stores.dataDir ? `${stores.store.name} in ${stores.dataDir}` : stores.store.name,
  };
}

/** The line every entry prints once it listens (tests wait for it). */
export function listening(runtime: string, url: string, store: string): string {
  return `agent-mesh gateway (${runtime}, store=${store}) listening on ${url}`;
}
