/**
 * The WebSocket glue for Node: Hono's `upgradeWebSocket` contract over a `ws` server, in place of
 * `@hono/node-server`'s, which per agent frame builds a DOM `MessageEvent` and copies the frame's Buffer before
 * decoding it, and keeps a parsed `URL` per socket. Here a text frame is decoded once and handed over as `{ data }`
 * (the gateway's connect route, gateway/src/routes/connect.ts, reads only `event.data`), and a socket keeps only
 * its handlers and one context.
 *
 * The upgrade still goes through the Hono app (so the route, its middleware and its 426 stay the single source
 * of truth): the request listener sees the upgrade request, the route's `upgradeWebSocket` records its handlers
 * for that request, and `attach` completes the handshake only for requests the app accepted.
 */
import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Context } from "hono";
import { defineWebSocketHelper, type WSContext, type WSEvents } from "hono/ws";
import type { RawData, WebSocket, WebSocketServer } from "ws";

type Events = WSEvents<WebSocket>;

/** Handlers the route registered for an upgrade request, until the handshake completes. */
const accepted = new WeakMap<Request, Events>();

export const upgradeWebSocket = defineWebSocketHelper<WebSocket>((c: Context, events) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
  accepted.set(c.req.raw, events as Events);
  return new Response(null); // the handshake itself happens in `attachWebSockets`
});

function contextFor(ws: WebSocket): WSContext<WebSocket> {
  return {
    binaryType: "arraybuffer",
    raw: ws,
    protocol: ws.protocol,
    url: null,
    get readyState() {
      return ws.readyState as 0 | 1 | 2 | 3;
    },
    send: (source) => ws.send(source as string),
    close: (code, reason) => ws.close(code, reason),
  } as WSContext<WebSocket>;
}

function wire(ws: WebSocket, events: Events, onError: (error: unknown) => void): void {
  const context = contextFor(ws);
  const guard = (work: () => unknown) => {
    try {
      const result = work();
      if (result instanceof Promise) result.catch(onError);
    } catch (error) {
      onError(error);
    }
  };
  guard(() => events.onOpen?.(new Event("open"), context));
  ws.on("message", (data: RawData, isBinary: boolean) => {
    const { onMessage } = events;
    if (!onMessage) return;
    // Text frames arrive as one Buffer (or fragments): decode once, no intermediate copy.
    const text = Array.isArray(data) ? Buffer.concat(data) : data;
    const payload = isBinary ? text : text.toString("utf8");
    guard(() => onMessage({ data: payload } as MessageEvent, context));
  });
  ws.on("close", (code: number, reason: Buffer) => {
    // Node 20 has no global CloseEvent (it came in Node 23): a plain object with its fields stands in for it.
    const event = { type: "close", code, reason: reason.toString(), wasClean: code !== 1006 };
    guard(() => events.onClose?.(event as CloseEvent, context));
  });
  ws.on("error", (error: Error) => {
    guard(() => events.onError?.(Object.assign(new Event("error"), { error }), context));
  });
}

function reject(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  const reason = STATUS_CODES[status] ?? "";
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Handles `upgrade` events of `server`: the request goes through `fetch` (the Hono app); if its WebSocket route
 * accepted it, the `ws` server completes the handshake and the route's handlers get the socket.
 */
export function attachWebSockets(
  server: Server,
  wss: WebSocketServer,
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
  onError: (error: unknown) => void = (error) => console.error("[gateway] [websocket]", error),
): void {
  server.on("upgrade", async (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {}); // a peer that vanishes mid-handshake is not our error
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (typeof value === "string") headers.set(name, value);
      else if (Array.isArray(value)) headers.set(name, value.join(", "));
    }
    const request = new Request(`http://${incoming.headers.host ?? "localhost"}${incoming.url ?? "/"}`, {
      headers,
    });
    let response: Response;
    try {
      response = await fetch(request, { incoming });
    } catch (error) {
      onError(error);
      return reject(socket, 500);
    }
    const events = accepted.get(request);
    accepted.delete(request);
    if (!events) return reject(socket, response.status >= 400 ? response.status : 400);
    if (socket.destroyed) return;
    wss.handleUpgrade(incoming, socket, head, (ws) => wire(ws, events, onError));
  });
}
