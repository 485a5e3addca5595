/**
 * The WebSocket glue for Node: Hono's `upgradeWebSocket` contract over a `ws` server, in place of
 * `@hono/node-server`'s, which per agent frame builds a DOM `MessageEvent` and copies the frame's Buffer before
 * decoding it, and keeps a parsed `URL` per socket. Here a text frame is decoded once and handed over as `{ data }`
 * (the gateway's connect route, gateway/src/routes/connect.ts, reads only `event.data`), and a socket keeps only
 * its handlers and one context: the `ws` listeners are shared functions that find both on the socket, so an idle
 * socket costs no closures of ours.
 *
 * An agent socket the gateway takes off the request itself (`Gateway.agentSocket`, next to the route in
 * gateway/src/routes/connect.ts) skips the app; any other upgrade request goes through the Hono app (its route,
 * middleware, 426 and 503): the route's `upgradeWebSocket` records its handlers for that request, and `attach`
 * completes the handshake only for requests the app accepted.
 */
import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Context } from "hono";
import { defineWebSocketHelper, type WSContext, type WSEvents } from "hono/ws";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import { errors, renderError } from "../../gateway/src/index.ts";
import type { AgentSocketHandlers, AgentSocketShortcut } from "../../gateway/src/routes/connect.ts";

type Events = WSEvents<WebSocket>;

/** Handlers the route registered for an upgrade request, until the handshake completes. */
const accepted = new WeakMap<Request, Events>();

export const upgradeWebSocket = defineWebSocketHelper<WebSocket>((c: Context, events) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
  accepted.set(c.req.raw, events as Events);
  return new Response(null); // the handshake itself happens in `attachWebSockets`
});

/** The `WSContext` surface the gateway uses, methods on the prototype: one small object per socket. */
class NodeContext {
  readonly raw: WebSocket;
  readonly binaryType = "arraybuffer";
  readonly url = null;
  constructor(raw: WebSocket) {
    this.raw = raw;
  }
  get protocol(): string {
    return this.raw.protocol;
  }
  get readyState(): 0 | 1 | 2 | 3 {
    return this.raw.readyState as 0 | 1 | 2 | 3;
  }
  get bufferedAmount(): number {
    return this.raw.bufferedAmount;
  }
  send(source: string | ArrayBuffer | Uint8Array): void {
    this.raw.send(source);
  }
  close(code?: number, reason?: string): void {
    this.raw.close(code, reason);
  }
}

/** What the shared listeners below find on a socket. */
interface Wiring {
  events: Events;
  context: WSContext<WebSocket>;
  onError: (error: unknown) => void;
}
const WIRING = Symbol("agent-mesh.wiring");
type WiredSocket = WebSocket & { [WIRING]: Wiring };

/** Runs a handler's result through `onError` when it throws or rejects. */
function settle(wiring: Wiring, run: (events: Events, context: WSContext<WebSocket>) => unknown): void {
  try {
    const result = run(wiring.events, wiring.context);
    if (result instanceof Promise) result.catch(wiring.onError);
  } catch (error) {
    wiring.onError(error);
  }
}

// `ws` calls its listeners with `this` = the socket (EventEmitter), so one function serves every socket.
function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const wiring = (this as WiredSocket)[WIRING];
  if (!wiring.events.onMessage) return;
  // Text frames arrive as one Buffer (or fragments): decode once, no intermediate copy.
  const text = Array.isArray(data) ? Buffer.concat(data) : data;
  const payload = isBinary ? text : text.toString("utf8");
  settle(wiring, (events, context) => events.onMessage?.({ data: payload } as MessageEvent, context));
}

function onSocketClose(this: WebSocket, code: number, reason: Buffer): void {
  // Node 20 has no global CloseEvent (it came in Node 23): a plain object with its fields stands in for it.
  const event = { type: "close", code, reason: reason.toString(), wasClean: code !== 1006 } as CloseEvent;
  settle((this as WiredSocket)[WIRING], (events, context) => events.onClose?.(event, context));
}

function onSocketError(this: WebSocket, error: Error): void {
  settle((this as WiredSocket)[WIRING], (events, context) =>
    events.onError?.(Object.assign(new Event("error"), { error }), context),
  );
}

function wire(ws: WebSocket, events: Events, onError: (error: unknown) => void): void {
  const wiring: Wiring = {
    events,
    context: new NodeContext(ws) as unknown as WSContext<WebSocket>, // Hono's class only adds a private field
    onError,
  };
  (ws as WiredSocket)[WIRING] = wiring;
  settle(wiring, (handlers, context) => handlers.onOpen?.(new Event("open"), context));
  ws.on("message", onSocketMessage);
  ws.on("close", onSocketClose);
  ws.on("error", onSocketError);
}

function reject(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  const reason = STATUS_CODES[status] ?? "";
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Writes the app's refusal of an upgrade as it made it (a full node's `503 node_full` with `Retry-After` and its
 * JSON body), so the connector can tell the person running it why.
 */
async function refuse(socket: Duplex, response: Response): Promise<void> {
  const status = response.status >= 400 ? response.status : 400;
  const body = Buffer.from(await response.arrayBuffer());
  if (socket.destroyed) return;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n`;
  for (const [name, value] of response.headers) {
    if (name !== "content-length" && name !== "connection") head += `${name}: ${value}\r\n`;
  }
  head += `Connection: close\r\nContent-Length: ${body.length}\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head), body]));
}

/**
 * Handles `upgrade` events of `server`: an agent socket the gateway takes straight off the request
 * (`Gateway.agentSocket`) is handed to `ws` at once; any other request goes through `fetch` (the Hono app), and if
 * its WebSocket route accepted it, the `ws` server completes the handshake and the route's handlers get the socket.
 */
export function attachWebSockets(
  server: Server,
  wss: WebSocketServer,
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
  options: {
    agentSocket?: AgentSocketShortcut | null;
    onError?: (error: unknown) => void;
  } = {},
): void {
  const { agentSocket, onError = (error) => console.error("[gateway] [websocket]", error) } = options;
  // A handshake `ws` cannot complete (no key, a bad version) gets the gateway's refusal, not a line of text.
  wss.on("wsClientError", (_error: Error, socket: Duplex) => {
    const { status, body } = renderError(errors.badHandshake());
    refuse(socket, Response.json(body, { status })).catch(() => reject(socket, 400));
  });
  server.on("upgrade", async (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {}); // a peer that vanishes mid-handshake is not our error
    /** Completes the handshake for `events`; one that cannot complete is abandoned (its place under the cap freed). */
    const handOver = (events: Events): void => {
      let opened = false;
      if (!socket.destroyed) {
        wss.handleUpgrade(incoming, socket, head, (ws) => {
          opened = true;
          wire(ws, events, onError);
        });
      }
      // `ws` completes a valid handshake before returning (no `verifyClient` here) and refuses a bad one (above):
      // then the socket never opens.
      if (!opened) (events as Partial<AgentSocketHandlers>).abandon?.();
    };
    const taken = agentSocket?.(incoming.method ?? "GET", incoming.url ?? "/", incoming.headers.upgrade);
    if (taken) return handOver(taken);
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
    if (!events) return refuse(socket, response).catch(() => reject(socket, 500));
    handOver(events);
  });
}
