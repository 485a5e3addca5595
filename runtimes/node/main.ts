/** Node entry: `npm run start:node`. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { WebSocketServer } from "ws";
import { boot } from "../shared/boot.ts";
import { answerClientErrorsWithJson } from "./client-errors.ts";
import { answeringAfterTheBody } from "./early-answers.ts";
import { readingSmallBodiesFirst } from "./small-bodies.ts";
import { attachWebSockets, upgradeWebSocket } from "./websocket.ts";

const { gateway, hostname, port, maxFrameBytes, listen, started } = await boot(
  "node",
  process.env,
  upgradeWebSocket,
);

// @hono/node-server's request listener on a server of our own, so small bodies are read first (small-bodies.ts),
// and an answer given before its body arrived waits for the rest (early-answers.ts).
const server = createServer(
  readingSmallBodiesFirst(getRequestListener(answeringAfterTheBody(gateway.fetch), { hostname })),
);
answerClientErrorsWithJson(server);
// A caller's connection kept alive between requests stays as long as on Bun, not Node's 5 s: a client or proxy that
// keeps idle connections longer than 5 s (a load balancer's pool) meets a socket closed under its next request.
// Node tells clients the figure (`Keep-Alive: timeout=`); its headers timeout must stay longer than it.
server.keepAliveTimeout = gateway.services.config.idleTimeoutMs;
server.headersTimeout = Math.max(server.headersTimeout, server.keepAliveTimeout + 1_000);
attachWebSockets(
  server,
  new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false }),
  gateway.fetch,
  { agentSocket: gateway.agentSocket },
);
await listen(
  () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, hostname, () => {
        server.off("error", reject);
        resolve();
      });
    }),
);
const { address, port: bound } = server.address() as AddressInfo;
await started(`http://${address}:${bound}`);

const shutdown = async () => {
  // No new connections; the open ones close with the process (see `prepareExit`), callers' streams too.
  server.close();
  await gateway.prepareExit();
  await gateway.services.store.dispose();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
