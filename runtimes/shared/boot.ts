/**
 * What every repository entry (Bun, Deno, Node) does before serving: read the environment, open the store
 * chosen by `AGENT_MESH_STORE`, build the gateway (serving the connector tarball if it was built), and print a
 * newly generated admin token once.
 */

import { existsSync } from "node:fs";
import type { UpgradeWebSocket } from "hono/ws";
import { connectorTarball, connectorTarballPath } from "./connector-tarball.ts";
import { type Boot, gatewayFromEnv, listening } from "./gateway-from-env.ts";
import { createStoresFromEnv } from "./store-from-env.ts";

export { type Boot, listening };

export async function boot(
  runtime: "bun" | "deno" | "node",
  env: Record<string, string | undefined>,
  upgradeWebSocket: UpgradeWebSocket,
): Promise<Boot> {
  const stores = await createStoresFromEnv(env);
  if (!existsSync(connectorTarballPath(env))) {
    console.log(
      "  No connector package to serve at /dl/ yet: `npm run build:connector` builds it (until then, tickets carry no `command`).",
    );
  }
  return gatewayFromEnv({ runtime, env, upgradeWebSocket, stores, connector: connectorTarball(env) });
}
