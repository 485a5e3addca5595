/**
 * The protocol client writes the frames one turn of the event loop produced together, corked into one write
 * (connector/src/client/turn-writer.ts; what it saves is measured by the connector rows of `npm run bench`). Here,
 * against a real gateway: nothing is lost or reordered by the wait, an answer given just before `stop()` still
 * goes out, and frames queued as the connection drops are resent after the reconnect.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentClient, type RequestReply } from "../../connector/src/client/agent-client.ts";
import type { RequestFrame } from "../../gateway/src/protocol/index.ts";
import { eventData } from "../helpers/api.ts";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;
const clients: AgentClient[] = [];

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node" });
  user = await createUser(gateway.url, gateway.adminToken, "turn-writer");
}, 30_000);

afterAll(async () => {
  for (const client of clients.splice(0)) client.stop();
  await gateway?.stop();
});

type Answer = (request: RequestFrame, reply: RequestReply, client: AgentClient) => void;

async function connected(answer: Answer) {
  const agent = await createAgent(user.api);
  const client: AgentClient = new AgentClient({
    url: gateway.url,
    token: user.token,
    agent: agent.name,
    backoff: { initialMs: 50, maxMs: 200 },
    onRequest: (request, reply) => answer(request, reply, client),
  });
  clients.push(client);
  await client.start();
  return agent;
}

describe("AgentClient writes a turn's frames together", () => {
  it("streams 500 chunks emitted in one turn, and a done a few promise steps later, whole and in order", async () => {
    // 500 chunks of about 300 characters: more than 64 KiB, so the turn is written in parts as it goes.
    const pad = "x".repeat(300);
    const agent = await connected((_request, reply) => {
      for (let i = 1; i <= 500; i++) reply.chunk(`c${i} ${pad}`);
      void Promise.resolve()
        .then(() => undefined)
        .then(() => reply.done("ok"));
    });
    const res = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "go" });
    const chunks = eventData(res.events, "chunk");
    expect(chunks.map((chunk) => chunk.delta)).toEqual(
      Array.from({ length: 500 }, (_, i) => `c${i + 1} ${pad}`),
    );
    expect(chunks.map((chunk) => chunk.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(eventData(res.events, "done")[0]?.result).toBe("ok");
  });

  it("still sends an answer given just before the client stops", async () => {
    const agent = await connected((request, reply, client) => {
      reply.done(`last ${request.message}`);
      client.stop();
    });
    const res = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "word" });
    expect(res.status).toBe(200);
    expect(res.body.result).toBe("last word");
  });

  it("resends frames queued as the connection dropped, once it is back", async () => {
    let calls = 0;
    const agent = await connected((request, reply, client) => {
      calls++;
      reply.chunk("before ");
      client.dropConnection(); // the socket is gone before the turn's frames are written
      reply.done(`after ${request.message}`);
    });
    const res = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "drop" });
    expect(eventData(res.events, "chunk").map((chunk) => chunk.delta)).toEqual(["before "]);
    expect(eventData(res.events, "done")[0]?.result).toBe("after drop");
    expect(calls).toBe(1); // resumed by seq, not run again
  });
});
