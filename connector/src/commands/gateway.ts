/**
 * `agent-mesh gateway [--port] [--host] [--data-dir]`: runs a gateway on Node with the embedded fs store, so a
 * self-hoster needs only `npx`. The gateway's environment variables (README) apply; the flags win over
 * PORT / HOST / AGENT_MESH_DATA_DIR. The server code is loaded only when this command runs.
 * @module
 */
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { CliError } from "../cli/errors.ts";
import { configHome } from "../config.ts";

interface Options {
  port: string;
  host: string;
  dataDir?: string;
}

export function register(program: Command): void {
  program
    .command("gateway")
    .description("run a gateway on Node with the fs store (data in --data-dir)")
    .option("--port <port>", "port to listen on (0: any free port)", process.env.PORT ?? "8787")
    .option("--host <host>", "address to listen on", process.env.HOST ?? "127.0.0.1")
    .option(
      "--data-dir <dir>",
      "where the store keeps its files (default: AGENT_MESH_DATA_DIR or ~/.agent-mesh/gateway)",
    )
    .addHelpText(
      "after",
      `
The first start prints an admin token once. Then:
  agent-mesh login --url http://127.0.0.1:8787 --token <admin token>
  agent-mesh tokens create alice

Examples:
  agent-mesh gateway
  agent-mesh gateway --port 9000 --data-dir ./gateway-data`,
    )
    .action(async (options: Options) => {
      const port = Number(options.port);
      if (!/^\d+$/.test(options.port) || port > 65535)
        throw new CliError(
          "invalid_option",
          `--port must be a port number (0–65535), not "${options.port}".`,
        );
      const store = process.env.AGENT_MESH_STORE;
      if (store && store !== "fs") {
        throw new CliError(
          "unsupported_store",
          `agent-mesh gateway runs only the fs store (AGENT_MESH_STORE=${store}); run the repository's start scripts for ${store}.`,
        );
      }
      const dataDir = resolve(
        options.dataDir ?? (process.env.AGENT_MESH_DATA_DIR || join(configHome(), "gateway")),
      );
      const { serveGateway } = await import("../gateway/serve.ts");
      await serveGateway({ port, host: options.host, dataDir });
    });
}
