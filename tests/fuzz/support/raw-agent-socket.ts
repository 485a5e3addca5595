/**
 * A raw agent socket for fuzzing: the real `ws` client speaking to `/v1/connect` with no protocol client in
 * between, so any frame (text, binary, invalid UTF-8, oversized) can be sent as is.
 */
import * as v from "valibot";
import WebSocket from "ws";
import { CloseCode } from "../../../gateway/src/protocol/close-codes.ts";
import { GatewayFrame } from "../../../gateway/src/protocol/frames.ts";

/** Close codes a gateway may answer bad frames with: the documented ones, but never "gateway bug". */
export const ALLOWED_CLOSES = new Set<number>(
  Object.values(CloseCode).filter((code) => code !== CloseCode.internal),
);

export interface RawAgentSocket {
  ws: WebSocket;
  /** Resolves with the close code the gateway sent (1006 if it dropped the connection without one). */
  closed: Promise<number>;
  /** Every JSON frame the gateway sent. */
  received: Array<Record<string, unknown>>;
  /** The next received frame of `type`, or null if the socket closes (or `ms` pass) first. */
  next(type: string, ms: number): Promise<Record<string, unknown> | null>;
  isOpen(): boolean;
}

export async function openAgentSocket(gatewayUrl: string): Promise<RawAgentSocket> {
  const ws = new WebSocket(`${gatewayUrl.replace(/^http/, "ws")}/v1/connect`);
  const received: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let closedCode: number | null = null;
  const closed = new Promise<number>((resolve) =>
    ws.on("close", (code) => {
      closedCode = code;
      for (const wake of waiters.splice(0)) wake();
      resolve(code);
    }),
  );
  ws.on("error", () => {});
  ws.on("message", (data, isBinary) => {
    if (isBinary) return;
    try {
      received.push(JSON.parse(data.toString()));
    } catch {
      received.push({ type: "<not json>" });
    }
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let seen = 0;
  return {
    ws,
    closed,
    received,
    isOpen: () => ws.readyState === WebSocket.OPEN,
    async next(type, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const index = received.findIndex((frame, i) => i >= seen && frame.type === type);
        if (index >= 0) {
          seen = index + 1;
          return received[index]!;
        }
        if (closedCode !== null || Date.now() >= deadline) return null;
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, Math.max(1, deadline - Date.now()));
        });
      }
    },
  };
}

/** Sends a valid hello for `agent` and waits for the welcome. */
export async function sendHello(socket: RawAgentSocket, token: string, agent: string): Promise<void> {
  socket.ws.send(JSON.stringify({ type: "hello", protocol: { min: 1, max: 3 }, token, agent }));
  if (!(await socket.next("welcome", 3000)))
    throw new Error(`a valid hello got no welcome: ${JSON.stringify(socket.received)}`);
}

/**
 * Ends a session: the gateway's close code, or null if it left the socket open (it ignored the frames), in which
 * case the test closes it. Checks that every frame the gateway sent belongs to the protocol.
 */
export async function finish(socket: RawAgentSocket): Promise<number | null> {
  const byGateway = await Promise.race([
    socket.closed,
    new Promise<null>((r) => setTimeout(() => r(null), 150)),
  ]);
  if (byGateway === null) socket.ws.close(1000);
  await socket.closed;
  for (const frame of socket.received) {
    if (!v.safeParse(GatewayFrame, frame).success)
      throw new Error(`the gateway sent a frame outside the protocol: ${JSON.stringify(frame)}`);
  }
  return byGateway;
}
