/**
 * The WebSocket glue for Bun: Hono's `upgradeWebSocket` contract over `Bun.serve`'s native handlers, leaner than
 * `hono/bun`'s on the two things that matter with 100,000 agent sockets:
 *
 * - per socket it keeps only the event handlers and one context object whose methods live on its prototype
 *   (hono/bun keeps a parsed `URL` and the protocol string per socket, and builds a new `WSContext`, with three
 *   closures and an options object, for every event);
 * - per message it allocates nothing but a `{ data }` object (hono/bun builds a DOM `MessageEvent` and a
 *   `WSContext` per message, the top allocation of a streaming agent).
 *
 * The gateway's connect route (gateway/src/routes/connect.ts) reads only `event.data` of a message event and uses
 * the context of `onOpen` to send and close; that is all this adapter promises.
 */
import type { Context } from "hono";
import { defineWebSocketHelper, type WSContext, type WSEvents } from "hono/ws";

/** The slice of Bun's `ServerWebSocket` used here. */
export interface BunSocket {
  data: SocketData;
  readyState: number;
  send(data: string | ArrayBufferLike | Uint8Array): number;
  close(code?: number, reason?: string): void;
}

interface SocketData {
  events: WSEvents<BunSocket>;
  context: WSContext<BunSocket> | null;
}

interface BunServerLike {
  upgrade(request: Request, options: { data: SocketData }): boolean;
}

/**
 * The `WSContext` surface the gateway uses (`send`, `close`, `readyState`, `raw`), as one small object per socket.
 * Hono's class keeps its options object with a closure per method; with 100,000 idle sockets those are megabytes.
 */
class BunContext {
  readonly raw: BunSocket;
  readonly binaryType = "arraybuffer";
  readonly url = null;
  readonly protocol = null;
  constructor(raw: BunSocket) {
    this.raw = raw;
  }
  get readyState(): 0 | 1 | 2 | 3 {
    return this.raw.readyState as 0 | 1 | 2 | 3;
  }
  send(source: string | ArrayBuffer | Uint8Array): void {
    this.raw.send(source);
  }
  close(code?: number, reason?: string): void {
    this.raw.close(code, reason);
  }
}

const contextOf = (ws: BunSocket): WSContext<BunSocket> => {
  // Structurally what the gateway uses of `WSContext`; the cast only skips Hono's private options field.
  ws.data.context ??= new BunContext(ws) as unknown as WSContext<BunSocket>;
  return ws.data.context;
};

/** Runs a handler; an error it throws or rejects with goes to `onError`, as in hono/bun. */
function run(ws: BunSocket, handler: () => unknown): void {
  const report = (error: unknown) => {
    const onError = ws.data.events.onError;
    if (!onError) throw error;
    onError(Object.assign(new Event("error"), { error }), contextOf(ws));
  };
  try {
    const result = handler();
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}

export const upgradeWebSocket = defineWebSocketHelper<BunSocket>((c: Context, events) => {
  const env = c.env as { server?: BunServerLike } & BunServerLike;
  const server = env.server ?? env;
  if (server.upgrade(c.req.raw, { data: { events, context: null } })) return new Response(null);
});

export const websocket = {
  open(ws: BunSocket): void {
    const { onOpen } = ws.data.events;
    if (onOpen) run(ws, () => onOpen(new Event("open"), contextOf(ws)));
  },
  message(ws: BunSocket, message: string | Uint8Array): void {
    const { onMessage } = ws.data.events;
    if (!onMessage) return;
    const data = typeof message === "string" ? message : (message.buffer as ArrayBuffer);
    // Not a DOM MessageEvent: the gateway reads `data` only, and this runs once per agent frame.
    run(ws, () => onMessage({ data } as MessageEvent, contextOf(ws)));
  },
  close(ws: BunSocket, code: number, reason: string): void {
    const { onClose } = ws.data.events;
    if (onClose) run(ws, () => onClose(new CloseEvent("close", { code, reason }), contextOf(ws)));
    ws.data.context = null;
  },
};
