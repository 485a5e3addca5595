/**
 * A connector behind a link slower than its agent writes (a home uplink, an exec agent's large output), against a
 * real gateway: the output waits in the connector, not in the socket, so its heartbeat still gets through and the
 * link is kept; when the link does drop with most of the output still unsent, none of it is lost; and a call
 * that answers in one chunk is not held behind another call's backlog.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventData, startStreamCall } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { type SlowLink, startSlowLink } from "../helpers/slow-link.ts";
import { waitFor } from "../helpers/wait.ts";

const PIECE = "y".repeat(64 * 1024);
/** 48 MiB: four seconds of the link, and more than the connector keeps of a request's sent frames (16–32 MiB). */
const PIECES = 768;
const LINK_BYTES_PER_SECOND = 12 * 1024 * 1024;

let gateway: GatewayProcess;
let link: SlowLink;

beforeAll(async () => {
  // A heartbeat every second: the gateway is taken for gone after 2.5 s without a frame from it.
  gateway = await startGateway({
    runtime: "node",
    env: {
      AGENT_MESH_HEARTBEAT_MS: "1000",
      AGENT_MESH_GRACE_MS: "5000",
      AGENT_MESH_SYNC_TIMEOUT_MS: "60000",
      // The caller shares its process with the connector: on a loaded machine it may read slower than the link
      // brings the answer, and this test is about the connector, not the gateway's cut of slow callers.
      AGENT_MESH_MAX_UNREAD_BYTES: String(64 * 1024 * 1024),
    },
  });
  link = await startSlowLink(gateway.url, LINK_BYTES_PER_SECOND);
}, 30_000);

afterAll(async () => {
  await link?.stop();
  await gateway?.stop();
});

async function callThroughSlowLink(name: string, dropAfterWriting: boolean) {
  const user = await createUser(gateway.url, gateway.adminToken, name);
  const agent = await createAgent(user.api);
  const connected = await connectAgent(link.url, user.token, agent.name, (_request, reply) => {
    for (let i = 0; i < PIECES; i++) reply.chunk(PIECE);
    // All of it written at once: most of it has not left the connector yet.
    if (dropAfterWriting) connected.client.dropConnection();
    reply.done("end");
  });
  try {
    const res = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "all of it" });
    const chunks = eventData(res.events, "chunk");
    expect(chunks.map((chunk) => chunk.seq)).toEqual(Array.from({ length: PIECES }, (_, i) => i + 1));
    expect(chunks.every((chunk) => chunk.delta === PIECE)).toBe(true);
    expect(eventData(res.events, "done")[0]?.result).toBe("end");
    return connected.statuses.filter((status) => status.type === "disconnected");
  } finally {
    connected.stop();
  }
}

describe("a connector behind a slow link", () => {
  it("keeps its link through an answer that takes the link longer than the heartbeat window", async () => {
    expect(await callThroughSlowLink("slow-link", false)).toEqual([]);
  });

  it("loses none of an answer whose link dropped with most of it still unsent", async () => {
    expect(await callThroughSlowLink("slow-drop", true)).toHaveLength(1);
  });

  it("sends a short answer while another call's long answer still waits for the link", async () => {
    const user = await createUser(gateway.url, gateway.adminToken, "slow-turns");
    const agent = await createAgent(user.api);
    const connected = await connectAgent(link.url, user.token, agent.name, (request, reply) => {
      if (request.message === "long") for (let i = 0; i < PIECES; i++) reply.chunk(PIECE);
      else reply.chunk("short");
      reply.done(request.message);
    });
    try {
      const long = await startStreamCall(gateway.url, user.token, agent.name, undefined, "long");
      let text = "";
      const decoder = new TextDecoder();
      const chunksOfLong = () => text.split("event: chunk\n").length - 1;
      const longEnded = (async () => {
        for await (const part of long.body as unknown as AsyncIterable<Uint8Array>)
          text += decoder.decode(part, { stream: true });
      })();
      await waitFor(() => chunksOfLong() > 0, { what: "the long answer started", timeoutMs: 10_000 });
      // Its 48 MiB take the link four seconds; a short answer written now goes out in turn with it, not after it.
      const short = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "short" });
      expect(eventData(short.events, "done")[0]?.result).toBe("short");
      // Most of the long answer has not even left the connector. (Written in order, the short one left after the
      // whole long one: nothing was unsent by the time it arrived, and its caller had read 767 of 768 chunks.)
      expect(connected.client.unsentChars).toBeGreaterThan(0);
      await longEnded;
      expect(chunksOfLong()).toBe(PIECES);
      expect(text).toContain("event: done");
    } finally {
      connected.stop();
    }
  });
});
