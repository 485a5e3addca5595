/**
 * A raw agent socket for fuzzing: the real `ws` client speaking to `/v1/connect` with no protocol client in
 * between, so any frame (text, binary, invalid UTF-8, oversized) can be sent as is.
 */
import WebSocket from "ws";

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
