/**
 * `agent-mesh gateway`: the gateway on Node with the embedded fs store, from the installed package — the
 * self-hoster's `npx` path. It serves its own connector at `/dl/` (the installed package packed on the fly, or
 * in a source checkout the built tarball) and resolves once the server stops on SIGINT/SIGTERM.
 * @module
 */
import type { Server } from "node:http";
import { serve, upgradeWebSocket } from "@hono/node-server";
import { WebSocketServer } from "ws";
import { VERSION } from "../../../gateway/src/version.ts";
import { answerClientErrorsWithJson } from "../../../runtimes/node/client-errors.ts";
import { createServerReadingSmallBodiesFirst } from "../../../runtimes/node/small-bodies.ts";
import { connectorTarball } from "../../../runtimes/shared/connector-tarball.ts";
import { printFsStoreNotes } from "../../../runtimes/shared/fs-store-notes.ts";
import { openFsStores } from "../../../runtimes/shared/fs-stores.ts";
import { type Boot, gatewayFromEnv } from "../../../runtimes/shared/gateway-from-env.ts";
import { CliError } from "../cli/errors.ts";
import { FROM_INSTALL, PACKAGE_ROOT } from "../package-root.ts";
import { packPackage } from "./pack-package.ts";

export interface ServeOptions {
  port: number;
  host: string;
  dataDir: string;
}

export async function serveGateway(options: ServeOptions): Promise<void> {
  const env = { ...process.env, PORT: String(options.port), HOST: options.host };
  let stores: ReturnType<typeof openFsStores>;
  try {
    stores = openFsStores(options.dataDir, {
      sync: process.env.AGENT_MESH_FS_SYNC,
      maxMb: process.env.AGENT_MESH_FS_MAX_MB,
    });
  } catch (error) {
    const message =
      error instanceof Error ? error.message.replace(/^\[gateway\] \[store\] /, "") : String(error);
    throw new CliError((error as { code?: string }).code ?? "data_dir_unusable", `${message}.`);
  }
  await printFsStoreNotes(options.dataDir, process.env.AGENT_MESH_FS_SYNC);
  let booted: Boot;
  try {
    booted = await gatewayFromEnv({
      runtime: "node",
      env,
      upgradeWebSocket,
      stores,
      connector: ownPackage(env),
    });
  } catch (error) {
    await stores.store.dispose(); // a setting the gateway refuses: unlock the data folder
    throw error;
  }
  const { gateway, hostname, port, maxFrameBytes, started } = booted;
  await new Promise<void>((resolve, reject) => {
    const server = serve(
      {
        fetch: gateway.fetch,
        hostname,
        port,
        websocket: { server: new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes }) },
        createServer: createServerReadingSmallBodiesFirst,
      },
      // The admin token is made (and printed) only now: a port in use leaves it to the next start.
      (info) => {
        started(`http://${info.address}:${info.port}`).catch((error: unknown) => {
          shutdown();
          reject(error);
        });
      },
    );
    answerClientErrorsWithJson(server as Server);
    server.once("error", (error: NodeJS.ErrnoException) => {
      gateway.dispose();
      void stores.store.dispose();
      reject(
        error.code === "EADDRINUSE"
          ? new CliError("port_in_use", `port ${port} on ${hostname} is in use; pick another with --port.`)
          : new CliError("listen_failed", `cannot listen on ${hostname}:${port}: ${error.message}.`),
      );
    });
    const shutdown = () => {
      gateway.dispose();
      server.close();
      void stores.store.dispose().then(resolve, resolve);
    };
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
  });
}

/**
 * Installed, this file is bundled into `<package>/dist/`: pack that package. In a source checkout, serve the
 * tarball `npm run build:connector` wrote (or `AGENT_MESH_CONNECTOR_TARBALL`).
 */
function ownPackage(env: Record<string, string | undefined>) {
  const packSelf = FROM_INSTALL && !env.AGENT_MESH_CONNECTOR_TARBALL;
  return packSelf ? { version: VERSION, load: () => packPackage(PACKAGE_ROOT) } : connectorTarball(env);
}
