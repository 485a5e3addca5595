/**
 * What every repository entry (Bun, Deno, Node) does before serving: read the environment, open the store
 * chosen by `AGENT_MESH_STORE`, build the gateway (serving the connector tarball if it was built), and print a
 * newly generated admin token once. It says how many agents the open-files limit leaves room for when that is
 * under 100,000.
 */

import { existsSync } from "node:fs";
import type { UpgradeWebSocket } from "hono/ws";
import { clusterConfigFromEnv } from "./cluster-config.ts";
import { connectorTarball, connectorTarballPath } from "./connector-tarball.ts";
import { type Boot, gatewayFromEnv, listening } from "./gateway-from-env.ts";
import { openFilesLimit, openFilesNote } from "./open-files.ts";
import { createStoresFromEnv } from "./store-from-env.ts";

export { type Boot, listening };

export async function boot(
  runtime: "bun" | "deno" | "node",
  env: Record<string, string | undefined>,
  upgradeWebSocket: UpgradeWebSocket,
): Promise<Boot> {
  // Validated first: a cluster setting that cannot work (node-local blobs, no Redis) stops before anything opens.
  const clusterSettings = clusterConfigFromEnv(env);
  const stores = await createStoresFromEnv(env);
  if (!existsSync(connectorTarballPath(env))) {
    console.log(
      "  No connector package to serve at /dl/ yet: `npm run build:connector` builds it (until then, tickets carry no `command`).",
    );
  }
  const fleetNote = openFilesNote(openFilesLimit(), env.AGENT_MESH_MAX_AGENTS);
  if (fleetNote) console.log(fleetNote);
  // ioredis loads only for a cluster (and the redis store): a single node starts without it.
  const cluster = clusterSettings
    ? (await import("./cluster-from-env.ts")).openCluster(clusterSettings)
    : null;
  return gatewayFromEnv({
    runtime,
    env,
    upgradeWebSocket,
    stores,
    connector: connectorTarball(env),
    cluster: cluster?.options,
  });
}
