/**
 * Floor relay on Node: `node:http` and a `ws` server on the same port. With FLOOR_HTTP=hono, callers go through
 * the Hono app on @hono/node-server's listener, set up as the gateway's Node entry sets it up. With FLOOR_DATA_DIR,
 * `"async": true` messages go to the floor's durable journal.
 */
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { WebSocketServer } from "ws";
import { readingSmallBodiesFirst } from "../../runtimes/node/small-bodies.ts";
import { FLOOR_HTTP_HONO, floorHonoApp } from "./hono-app.ts";
import { acceptedJson, openFloorJournal } from "./journal.ts";
import { createFloorRelay, doneEvent, doneJson, JSON_HEADERS, SSE_HEADERS } from "./relay.ts";

const relay = createFloorRelay({ heartbeatMs: Number(process.env.FLOOR_HEARTBEAT_MS ?? 15_000) });
const dataDir = process.env.FLOOR_DATA_DIR;
const journal = dataDir ? await openFloorJournal(`${dataDir}/floor.ndjson`) : null;

const serveCaller: RequestListener = (req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (part: Buffer) => parts.push(part));
  req.on("end", () => {
    const { message, async } = JSON.parse(Buffer.concat(parts).toString()) as {
      message: string;
      async?: boolean;
    };
    if (async) {
      if (!journal) res.writeHead(503).end("no journal (FLOOR_DATA_DIR)");
      else void journal.accept(message).then((id) => res.writeHead(202, JSON_HEADERS).end(acceptedJson(id)));
      return;
    }
    const stream = req.headers.accept?.includes("text/event-stream") ?? false;
    const relayed = relay.call(message, {
      chunk: (event) => {
        if (stream) res.write(event);
      },
      done: (result) => {
        if (stream) res.end(doneEvent(result));
        else res.writeHead(200, JSON_HEADERS).end(doneJson(result));
      },
    });
    if (!relayed) res.writeHead(503).end("no agent");
    else if (stream) res.writeHead(200, SSE_HEADERS).flushHeaders();
  });
};

const server = createServer(
  process.env.FLOOR_HTTP === FLOOR_HTTP_HONO
    ? readingSmallBodiesFirst(getRequestListener(floorHonoApp(relay, journal).fetch))
    : serveCaller,
);
const sockets = new WebSocketServer({ server, path: "/v1/connect" });
sockets.on("connection", (socket) => {
  socket.on("message", (data) => relay.agentMessage(socket, String(data)));
  socket.on("close", () => relay.agentClosed(socket));
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(`floor (node) listening on http://127.0.0.1:${port}`);
});
