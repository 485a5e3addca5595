/**
 * Floor relay on Deno: `Deno.serve` and `Deno.upgradeWebSocket` (callers through Hono with FLOOR_HTTP=hono).
 * With FLOOR_DATA_DIR, `"async": true` messages go to the floor's durable journal.
 */
import { FLOOR_HTTP_HONO, floorHonoApp } from "./hono-app.ts";
import { openFloorJournal } from "./journal.ts";
import { createFloorRelay, handleMessage } from "./web-handler.ts";

/** The slice of Deno's API used here (the root tsconfig type-checks bench/ with Node types only). */
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(
    options: { hostname: string; port: number; onListen(addr: { hostname: string; port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
  upgradeWebSocket(
    request: Request,
    options: { idleTimeout: number },
  ): { socket: WebSocket; response: Response };
};

const relay = createFloorRelay({ heartbeatMs: Number(Deno.env.get("FLOOR_HEARTBEAT_MS") ?? 15_000) });
const dataDir = Deno.env.get("FLOOR_DATA_DIR");
const journal = dataDir ? await openFloorJournal(`${dataDir}/floor.ndjson`) : null;
const serveCaller =
  Deno.env.get("FLOOR_HTTP") === FLOOR_HTTP_HONO
    ? floorHonoApp(relay, journal).fetch
    : (request: Request) => handleMessage(relay, request, journal);
Deno.serve(
  {
    hostname: "127.0.0.1",
    port: Number(Deno.env.get("PORT") ?? 0),
    onListen: ({ hostname, port }) => console.log(`floor (deno) listening on http://${hostname}:${port}`),
  },
  (request) => {
    if (new URL(request.url).pathname === "/v1/connect") {
      // No per-socket ping timer, as in the gateway: the agents' own pings are the heartbeat.
      const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
      socket.onmessage = (event) => relay.agentMessage(socket, String(event.data));
      socket.onclose = () => relay.agentClosed(socket);
      return response;
    }
    return serveCaller(request);
  },
);
