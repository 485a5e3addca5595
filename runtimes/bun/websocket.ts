/**
 * The WebSocket glue for Bun: Hono's `upgradeWebSocket` contract over `Bun.serve`'s native handlers, leaner than
 * `hono/bun`'s on the two things that matter with 100,000 agent sockets:
 *
 * - per socket it keeps nothing but the route's event handlers, as the socket's `data` (hono/bun keeps a parsed
 *   `URL` and the protocol string per socket, and builds a new `WSContext`, with three closures and an options
 *   object, for every event); the context handed to the handlers is Bun's socket itself, which already has the
 *   `send`, `close` and `readyState` the gateway uses, so no wrapper object lives beside it;
 * - per message it allocates nothing but a `{ data }` object (hono/bun builds a DOM `MessageEvent` and a
 *   `WSContext` per message, the top allocation of a streaming agent).
 *
 * The gateway's connect route (gateway/src/routes/connect.ts) reads only `event.data` of a message event and uses
 * the context of `onOpen` to send and close; that is all this adapter promises. Handlers are called as methods of
 * the events object, as every Hono adapter does, so a route may keep its per-socket state on that object.
 */
import type { Context } from "hono";
import { defineWebSocketHelper, type WSContext, type WSEvents } from "hono/ws";
import { dispatchSocketEvent } from "../shared/socket-events.ts";

/** The slice of Bun's `ServerWebSocket` used here. */
export interface BunSocket {
  data: WSEvents<BunSocket>;
  readyState: number;
  send(data: string | ArrayBufferLike | Uint8Array): number;
  close(code?: number, reason?: string): void;
}

interface BunServerLike {
  upgrade(request: Request, options: { data: WSEvents<BunSocket> }): boolean;
}

/**
 * Bun's socket as the `WSContext` the handlers get: structurally what the gateway uses of it (`send`, `close`,
 * `readyState`); the cast skips Hono's private options field and its `raw`/`url`/`protocol`, which nothing reads.
 */
const contextOf = (ws: BunSocket): WSContext<BunSocket> => ws as unknown as WSContext<BunSocket>;

export const upgradeWebSocket = defineWebSocketHelper<BunSocket>((c: Context, events) => {
  const env = c.env as { server?: BunServerLike } & BunServerLike;
  const server = env.server ?? env;
  if (server.upgrade(c.req.raw, { data: events })) return new Response(null);
});

/** One open event for every socket: the route never reads it, and a wave of connects made one each. */
const OPENED = new Event("open");

export const websocket = {
  open(ws: BunSocket): void {
    dispatchSocketEvent(ws.data, "onOpen", OPENED, contextOf(ws));
  },
  message(ws: BunSocket, message: string | Uint8Array): void {
    const data = typeof message === "string" ? message : (message.buffer as ArrayBuffer);
    // Not a DOM MessageEvent: the gateway reads `data` only, and this runs once per agent frame.
    dispatchSocketEvent(ws.data, "onMessage", { data } as MessageEvent, contextOf(ws));
  },
  close(ws: BunSocket, code: number, reason: string): void {
    dispatchSocketEvent(ws.data, "onClose", new CloseEvent("close", { code, reason }), contextOf(ws));
  },
};
