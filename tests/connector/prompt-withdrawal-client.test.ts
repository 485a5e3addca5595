/**
 * The protocol client withdraws a timed-out prompt only where the gateway understands it: a gateway that chose
 * protocol 3 gets the withdrawal chunk; one that chose 2 (a gateway from before withdrawals, played here by a bare
 * WebSocket server speaking its frames) gets nothing it would show to callers as a second prompt.
 */
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { AgentClient } from "../../connector/src/client/agent-client.ts";
import { waitFor } from "../helpers/wait.ts";

const servers: WebSocketServer[] = [];
const clients: AgentClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.stop();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A gateway that welcomes with `protocol`, sends one request, and records every frame the client sends. */
async function gatewaySpeaking(protocol: number) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  servers.push(server);
  await new Promise((resolve) => server.once("listening", resolve));
  const frames: SentFrame[] = [];
  server.on("connection", (socket) => {
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as SentFrame;
      frames.push(frame);
      if (frame.type !== "hello") return;
      const welcome = { type: "welcome", protocol, agent: { id: "ag_1", name: "a" }, heartbeat_ms: 30_000 };
      socket.send(
        JSON.stringify({ ...welcome, grace_ms: 1000, max_frame_bytes: 1 << 20, resume: [], drop: [] }),
      );
      const request = { type: "request", id: "r1", session_id: "s", client_id: "a".repeat(32), message: "x" };
      socket.send(JSON.stringify(request));
    });
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, frames };
}

/** The fields of a client frame these tests read. */
interface SentFrame {
  type: string;
  kind?: string;
  delta?: string;
}

/** The permission chunks the client sent, decoded, once its `done` arrived. */
async function permissionsSent(frames: SentFrame[]): Promise<unknown[]> {
  await waitFor(() => frames.some((f) => f.type === "done"));
  return frames
    .filter((f) => f.type === "chunk" && f.kind === "permission")
    .map((f) => JSON.parse(f.delta ?? "null"));
}

async function askThenWithdraw(url: string) {
  const client = new AgentClient({
    url,
    token: "t",
    agent: "a",
    onRequest: (_request, reply) => {
      void reply.ask({ prompt_id: "p1", tool: "Write" });
      reply.withdraw({ prompt_id: "p1", reason: "timeout", message: "No answer in time: denied." });
      reply.withdraw({ prompt_id: "p1", reason: "timeout" }); // a second close of the same prompt is a no-op
      reply.done("denied");
    },
  });
  clients.push(client);
  await client.start();
}

describe("AgentClient.withdraw", () => {
  it("sends the withdrawal to a protocol 3 gateway, once", async () => {
    const gateway = await gatewaySpeaking(3);
    await askThenWithdraw(gateway.url);
    const permission = await permissionsSent(gateway.frames);
    expect(permission).toEqual([
      { prompt_id: "p1", tool: "Write" },
      {
        prompt_id: "p1",
        withdrawn: true,
        decision: "deny",
        reason: "timeout",
        message: "No answer in time: denied.",
      },
    ]);
  });

  it("sends no withdrawal to a protocol 2 gateway (it would show it as a prompt)", async () => {
    const gateway = await gatewaySpeaking(2);
    await askThenWithdraw(gateway.url);
    const permission = await permissionsSent(gateway.frames);
    expect(permission).toEqual([{ prompt_id: "p1", tool: "Write" }]);
  });
});
