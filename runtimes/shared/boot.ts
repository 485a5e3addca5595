/**
 * What every repository entry (Bun, Deno, Node) does before serving: read the environment, open the store
 * chosen by `AGENT_MESH_STORE`, and build the gateway (serving the connector tarball if it was built). It says how
 * many agents the open-files limit leaves room for when that is under 100,000. The entry then listens through
 * `listen` and calls `started`, which prints a newly generated admin token once and the `listening on` line.
 *
 * A start that cannot go on (a bad setting, a busy port, a store it cannot open) ends with one line on stderr and
 * exit status 1, without a stack trace, and before an admin token is created: the next start still prints it.
 */

import { existsSync } from "node:fs";
import process from "node:process";
import type { UpgradeWebSocket } from "hono/ws";
import { configFromEnv } from "../../gateway/src/index.ts";
import { clusterConfigFromEnv } from "./cluster-config.ts";
import { connectorTarball, connectorTarballPath } from "./connector-tarball.ts";
import { type Boot, gatewayFromEnv, portFromEnv } from "./gateway-from-env.ts";
import { openFilesLimit, openFilesNote } from "./open-files.ts";
import { createStoresFromEnv } from "./store-from-env.ts";

export type { Boot };

export interface Booted extends Boot {
  /**
   * Runs the runtime's own listen call and returns what it returns. When it fails (a busy port), the start ends
   * with one line, the store closed (an fs data folder unlocked).
   */
  listen<T>(serve: () => T | Promise<T>): Promise<T>;
}

export async function boot(
  runtime: "bun" | "deno" | "node",
  env: Record<string, string | undefined>,
  upgradeWebSocket: UpgradeWebSocket,
): Promise<Booted> {
  let booted: Boot;
  try {
    // Validated first: a setting that cannot work (a PORT that is no port, a cluster with node-local blobs or no
    // Redis) stops before anything opens.
    portFromEnv(env);
    configFromEnv(env);
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
    booted = await gatewayFromEnv({
      runtime,
      env,
      upgradeWebSocket,
      stores,
      connector: connectorTarball(env),
      cluster: cluster?.options,
    });
  } catch (error) {
    return startFailed(error);
  }
  const { gateway, hostname, port } = booted;
  return {
    ...booted,
    async listen(serve) {
      try {
        return await serve();
      } catch (error) {
        gateway.dispose();
        await within(2000, gateway.services.store.dispose());
        return startFailed(listenFailure(error, hostname, port));
      }
    },
    // The store can still fail here (the admin token is the first thing read): the same one line.
    started: (url) => booted.started(url).catch(startFailed),
  };
}

/** A refused listen as one line: a busy port says which, and what to do. */
function listenFailure(error: unknown, hostname: string, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE") {
    return new Error(
      `[gateway] port ${port} on ${hostname} is in use; stop what listens there or set PORT to another port`,
    );
  }
  if (!(error instanceof Error) || isBug(error)) return error;
  return new Error(`[gateway] cannot listen on ${hostname}:${port}: ${error.message}`);
}

/**
 * Ends a start that cannot go on: the reason as one line on stderr (settings and stores say theirs with the
 * variable to change), exit status 1. A bug in the code keeps its stack trace.
 */
function startFailed(error: unknown): never {
  if (error instanceof Error && isBug(error)) console.error(error);
  else {
    const message = error instanceof Error ? error.message : String(error);
    console.error(message.startsWith("[gateway]") ? message : `[gateway] ${message}`);
  }
  process.exit(1);
}

function isBug(error: Error): boolean {
  return error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError;
}

/** Waits for `work`, at most `ms` (a store that cannot close must not hold a failed start up). */
async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    work.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
