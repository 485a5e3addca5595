/**
 * Floor relay on Bun: `Bun.serve` with its native WebSocket handler (callers through Hono with FLOOR_HTTP=hono).
 * With FLOOR_DATA_DIR, `"async": true` messages go to the floor's durable journal.
 */
import { FLOOR_HTTP_HONO, floorHonoApp } from "./hono-app.ts";
import { openFloorJournal } from "./journal.ts";
import { createFloorRelay, handleMessage } from "./web-handler.ts";

/** The slice of Bun's API used here (the root tsconfig type-checks bench/ with Node types only). */
interface BunSocket {
  send(text: string): void;
}
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch(request: Request, server: { upgrade(request: Request): boolean }): Response | Promise<Response>;
    websocket: {
      message(socket: BunSocket, data: string | Uint8Array): void;
      close(socket: BunSocket): void;
    };
  }): { url: URL };
};

const relay = createFloorRelay({ heartbeatMs: Number(process.env.FLOOR_HEARTBEAT_MS ?? 15_000) });
const dataDir = process.env.FLOOR_DATA_DIR;
const journal = dataDir ? await openFloorJournal(`${dataDir}/floor.ndjson`) : null;
const serveCaller =
  process.env.FLOOR_HTTP === FLOOR_HTTP_HONO
    ? floorHonoApp(relay, journal).fetch
    : (request: Request) => handleMessage(relay, request, journal);
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  idleTimeout: 0,
  fetch(request, server) {
    if (new URL(request.url).pathname === "/v1/connect") {
      return server.upgrade(request)
        ? (undefined as unknown as Response)
        : new Response(null, { status: 400 });
    }
    return serveCaller(request);
  },
  websocket: {
    message: (socket, data) => relay.agentMessage(socket, String(data)),
    close: (socket) => relay.agentClosed(socket),
  },
});
console.log(`floor (bun) listening on ${server.url.toString().replace(/\/$/, "")}`);
