/** Node entry: `npm run start:node`. */
import { serve, upgradeWebSocket } from "@hono/node-server";
import { WebSocketServer } from "ws";
import { boot, listening } from "../shared/boot.ts";

const { gateway, hostname, port, maxFrameBytes } = await boot("node", process.env, upgradeWebSocket);

const server = serve(
  {
    fetch: gateway.fetch,
    hostname,
    port,
    websocket: { server: new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes }) },
  },
  (info) =>
    console.log(listening("node", `http://${info.address}:${info.port}`, gateway.services.store.name)),
);

const shutdown = async () => {
  gateway.dispose();
  server.close();
  await gateway.services.store.dispose();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
