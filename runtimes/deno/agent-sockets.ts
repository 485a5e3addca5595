/**
 * Agent sockets on Deno without the app's routing: the entry asks the gateway first (`Gateway.agentSocket`, next
 * to the route in gateway/src/routes/connect.ts), and a socket it takes is upgraded here with its handlers wired
 * straight to Deno's socket. As on Bun and Node, anything it does not take goes through the app.
 *
 * Per socket this keeps only the handlers, on the socket itself: the four listeners are the same functions for
 * every socket (Deno calls an `on…` handler with the socket as `this`), and the context the handlers get is the
 * socket, which has the `send`, `close` and `readyState` the gateway uses. `hono/deno` builds a `WSContext` with
 * its closures, a parsed URL and four listener closures for every socket.
 */
import type { WSContext } from "hono/ws";
import type { AgentSocketHandlers, AgentSocketShortcut } from "../../gateway/src/routes/connect.ts";
import { dispatchSocketEvent } from "../shared/socket-events.ts";

/** Where a socket keeps its handlers. */
const HANDLERS = Symbol("agent socket handlers");

type AgentWebSocket = WebSocket & { [HANDLERS]: AgentSocketHandlers };

const handlersOf = (socket: WebSocket): AgentSocketHandlers => (socket as AgentWebSocket)[HANDLERS];
const contextOf = (socket: WebSocket): WSContext => socket as unknown as WSContext;

function onOpen(this: WebSocket, event: Event): void {
  dispatchSocketEvent(handlersOf(this), "onOpen", event, contextOf(this));
}
function onMessage(this: WebSocket, event: MessageEvent): void {
  dispatchSocketEvent(handlersOf(this), "onMessage", event, contextOf(this));
}
function onClose(this: WebSocket, event: CloseEvent): void {
  dispatchSocketEvent(handlersOf(this), "onClose", event, contextOf(this));
}
function onError(this: WebSocket, event: Event): void {
  handlersOf(this).onError?.(event, contextOf(this));
}

/**
 * Deno's own liveness check (a WebSocket ping after 30 s without a frame) is off: the gateway's heartbeat already
 * checks every agent in one sweep, and Deno's check is a timer per socket, cleared and set again on every frame.
 */
const NO_IDLE_TIMEOUT = { idleTimeout: 0 };

/** The slice of Deno's API used here. */
interface DenoUpgrade {
  upgradeWebSocket(
    request: Request,
    options: { idleTimeout: number },
  ): { socket: WebSocket; response: Response };
}

/**
 * The upgrade's response for an agent socket the gateway takes, or undefined for the app to answer (another path,
 * not an upgrade, a full node, or a handshake Deno cannot complete: its place under the cap is freed at once).
 */
export function upgradeAgentSocket(
  deno: DenoUpgrade,
  agentSocket: AgentSocketShortcut | null,
  request: Request,
): Response | undefined {
  const handlers = agentSocket?.(request.method, request.url, request.headers.get("upgrade"));
  if (!handlers) return undefined;
  let upgraded: { socket: WebSocket; response: Response };
  try {
    upgraded = deno.upgradeWebSocket(request, NO_IDLE_TIMEOUT);
  } catch {
    handlers.abandon(); // not a handshake Deno completes (no Sec-WebSocket-Key, say): the app answers it
    return undefined;
  }
  const socket = upgraded.socket as AgentWebSocket;
  socket[HANDLERS] = handlers;
  socket.onopen = onOpen;
  socket.onmessage = onMessage;
  socket.onclose = onClose;
  socket.onerror = onError;
  return upgraded.response;
}
