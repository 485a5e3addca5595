/**
 * A connector behind a link slower than its agent writes (a home uplink, an exec agent's large output), against a
 * real gateway: the output waits in the connector, not in the socket, so its heartbeat still gets through and the
 * link is kept; and when the link does drop with most of the output still unsent, none of it is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventData } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { type SlowLink, startSlowLink } from "../helpers/slow-link.ts";

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
});
