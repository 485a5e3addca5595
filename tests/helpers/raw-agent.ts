/**
 * An agent spoken over a raw WebSocket, for tests that need frames the real connector never sends on its own (seqs
 * that jump, as after frames lost in flight): says hello, waits for `welcome`, pings as a connector does (the test
 * gateways drop a socket silent for a second), and hands over the requests it gets.
 */
import { once } from "node:events";
import WebSocket from "ws";
import { PROTOCOL_VERSION } from "../../gateway/src/protocol/index.ts";
import { waitFor } from "./wait.ts";

export interface RawAgent {
  /** The next `request` frame the gateway sends (each one once). */
  nextRequest(): Promise<{ id: string; message: string }>;
  send(frame: object): void;
  close(): void;
}

export async function connectRawAgent(url: string, token: string, agent: string): Promise<RawAgent> {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/v1/connect`);
  const frames: any[] = [];
  socket.on("message", (data) => frames.push(JSON.parse(data.toString())));
  await once(socket, "open");
  socket.send(JSON.stringify({ type: "hello", protocol: { min: 1, max: PROTOCOL_VERSION }, token, agent }));
  const welcome: { heartbeat_ms: number } = await waitFor(() =>
    frames.find((frame) => frame.type === "welcome"),
  ).catch((error: unknown) => {
    socket.close();
    throw error;
  });
  const pings = setInterval(() => socket.send('{"type":"ping"}'), welcome.heartbeat_ms / 2);
  socket.on("close", () => clearInterval(pings));
  let taken = 0;
  return {
    async nextRequest() {
      const requests = () => frames.filter((frame) => frame.type === "request");
      // A CLI started from source takes seconds to send its call on a loaded machine.
      await waitFor(() => requests().length > taken, { timeoutMs: 20_000, what: "a request for the agent" });
      return requests()[taken++];
    },
    send: (frame) => socket.send(JSON.stringify(frame)),
    close: () => socket.close(),
  };
}

/** Answers request `id` with chunk 1, chunk 4 and `done` at seq 6: chunks 2, 3 and 5 "lost in flight". */
export function sendWithGaps(agent: RawAgent, id: string): void {
  agent.send({ type: "chunk", id, seq: 1, delta: "a" });
  agent.send({ type: "chunk", id, seq: 4, delta: "d" });
  agent.send({ type: "done", id, seq: 6, result: "abcdef" });
}
