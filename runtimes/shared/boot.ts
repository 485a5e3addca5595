/**
 * What every self-hosted entry (Bun, Deno, Node) does before serving: read the environment, open the store
 * chosen by `AGENT_MESH_STORE`, build the gateway, and print a newly generated admin token once.
 */
import type { UpgradeWebSocket } from "hono/ws";
import { configFromEnv, createGateway, type Gateway } from "../../gateway/src/index.ts";
import { clusterConfigFromEnv } from "./cluster-config.ts";
import { openCluster } from "./cluster-from-env.ts";
import { createStoresFromEnv } from "./store-from-env.ts";

export interface Boot {
  gateway: Gateway;
  hostname: string;
  port: number;
  /** Largest WebSocket frame the runtime should let through to the gateway (which enforces its own cap). */
  maxFrameBytes: number;
}

export async function boot(
  runtime: "bun" | "deno" | "node",
  env: Record<string, string | undefined>,
  upgradeWebSocket: UpgradeWebSocket,
): Promise<Boot> {
  const config = configFromEnv(env);
  const clusterSettings = clusterConfigFromEnv(env);
  const { store, blobs } = await createStoresFromEnv(env);
  const cluster = clusterSettings ? openCluster(clusterSettings) : null;
  const gateway = createGateway({
    runtime,
    store,
    blobs,
    config,
    upgradeWebSocket,
    cluster: cluster?.options,
    adminToken: env.AGENT_MESH_ADMIN_TOKEN || undefined,
    secret: env.AGENT_MESH_SECRET || undefined,
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
  };
}

/** The line every entry prints once it listens (tests wait for it). */
export function listening(runtime: string, url: string, store: string): string {
  return `agent-mesh gateway (${runtime}, store=${store}) listening on ${url}`;
}
