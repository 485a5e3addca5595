/** Node entry: `npm run start:node`. */
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { WebSocketServer } from "ws";
import { boot, listening } from "../shared/boot.ts";
import { attachWebSockets, upgradeWebSocket } from "./websocket.ts";

const { gateway, hostname, port, maxFrameBytes } = await boot("node", process.env, upgradeWebSocket);

const server = serve(
  {
    fetch: gateway.fetch,
    hostname,
    port,
  },
  (info) =>
    console.log(listening("node", `http://${info.address}:${info.port}`, gateway.services.store.name)),
);

attachWebSockets(
  server as Server,
  new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false }),
  gateway.fetch,
);

const shutdown = async () => {
  gateway.dispose();
  server.close();
  await gateway.services.store.dispose();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
