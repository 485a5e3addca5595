/** Bun entry: `npm start`. */
import { gatherSseWritesUntil } from "../../gateway/src/index.ts";
import { boot } from "../shared/boot.ts";
import { idleSeconds, withIdleTimer } from "./idle-callers.ts";
import { upgradeWebSocket, websocket } from "./websocket.ts";

// Bun runs the microtasks after each WebSocket message it hands over: gather SSE writes until a burst is handled.
gatherSseWritesUntil(setImmediate);

const { gateway, hostname, port, maxFrameBytes, listen, started } = await boot(
  "bun",
  Bun.env,
  upgradeWebSocket,
);
const { idleTimeoutMs, maxBodyBytes } = gateway.services.config;
const idle = idleSeconds(idleTimeoutMs);

const server = await listen(() =>
  Bun.serve({
    hostname,
    port,
    fetch(request, server) {
      // An agent socket skips the app's routing (a sixth of a connect's CPU); everything else goes through it.
      const events = gateway.agentSocket?.(request.method, request.url, request.headers.get("upgrade"));
      if (events) {
        if (server.upgrade(request, { data: events })) return undefined;
        events.abandon(); // not a handshake Bun completes: the app answers it
      }
      return withIdleTimer(server, request, answer, idle, maxBodyBytes);
    },
    // Closes callers' connections that send nothing: off while the gateway works on a request (idle-callers.ts).
    idleTimeout: idle,
    websocket: {
      ...websocket,
      maxPayloadLength: maxFrameBytes,
      idleTimeout: 0,
      // Past this many bytes unsent to a connector (a stalled or very slow link), Bun drops what is sent, while the
      // socket stays open: a request lost without a word. Closed instead, the connector reconnects and says what it
      // holds, so the gateway knows what never arrived (a task goes back to the queue, a live call fails).
      backpressureLimit: gateway.services.config.maxUnreadBytes,
      closeOnBackpressureLimit: true,
    },
  }),
);

const origin = server.url.origin;
/**
 * Hands a request to the gateway. One without a Host header (HTTP/1.0 allows it) reaches `fetch` with its URL as
 * sent, a bare path no URL parser takes (the gateway answered 500): it gets the server's own origin.
 */
function answer(request: Request): Response | Promise<Response> {
  if (request.url.charCodeAt(0) === 47 /* "/" */) {
    request = new Request(new URL(request.url, origin).href, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      duplex: "half",
    } as RequestInit);
  }
  return gateway.fetch(request, server);
}

await started(server.url.toString().replace(/\/$/, ""));

const shutdown = async () => {
  // No new connections; the open ones close with the process (see `prepareExit`), callers' streams too.
  void server.stop();
  await gateway.prepareExit();
  await gateway.services.store.dispose();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
