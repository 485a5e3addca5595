/**
 * Builds a self-hosted gateway (Bun, Deno, Node, `agent-mesh gateway`) from the environment and opened stores;
 * once it listens, `started` prints a newly generated admin token once. Kept apart from the store choice
 * (store-from-env.ts) so the connector package, which embeds only the fs store, does not carry the Redis and
 * Upstash clients.
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
  /**
   * Once the server listens on `url`: makes sure the store holds an admin token, printing a newly generated one
   * (only its hash is kept), then prints the `listening on` line. Not before: a start that cannot listen (a busy
   * port) would print a token and leave the store holding it, so the next start would have none to show. Called
   * again (Deno listening anew), it prints the line again, never the token.
   */
  started(url: string): Promise<void>;
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
  const port = portFromEnv(env);
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
  const store = stores.dataDir ? `${stores.store.name} in ${stores.dataDir}` : stores.store.name;
  let tokenShown = false;
  return {
    gateway,
    hostname: env.HOST ?? "127.0.0.1",
    port,
    // A little above the gateway's cap so oversized frames reach the gateway and get its 1009 close with a reason.
    maxFrameBytes: config.maxFrameBytes + 64 * 1024,
    store,
    async started(url) {
      const { adminToken } = await gateway.init();
      if (adminToken && !tokenShown) {
        tokenShown = true;
        console.log(`\n  Admin token (shown once, stored hashed; keep it safe):\n\n    ${adminToken}\n`);
      }
      console.log(listening(options.runtime, url, store));
    },
  };
}

/** `PORT` (default 8787; 0: any free port), or an error naming the variable. */
export function portFromEnv(env: Record<string, string | undefined>): number {
  const setting = env.PORT || "8787";
  const port = Number(setting);
  if (!/^\d+$/.test(setting) || port > 65535)
    throw new Error(`[gateway] PORT must be a port number (0-65535), got ${JSON.stringify(setting)}`);
  return port;
}

/** The line `started` prints once the gateway listens (tests wait for it). */
export function listening(runtime: string, url: string, store: string): string {
  return `agent-mesh gateway (${runtime}, store=${store}) listening on ${url}`;
}
