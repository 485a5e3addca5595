/**
 * A cluster whose Redis reached its `maxmemory` (policy `noeviction`: every write is answered with an OOM error).
 * Two gateway nodes on one redis-server, the agent's socket on node A, calls through node B, so each call crosses
 * the nodes' own Redis commands (the inbox, acknowledgements), not only the session store.
 *
 * Callers get 507 `store_full` with advice, as on one node; before, the node's command connection passed Redis's
 * reply on as it was: a 500, and a log line carrying the refused command's arguments (the caller's message).
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../helpers/api.ts";
import { startNodes } from "../helpers/cluster.ts";
import { connectAgent, createAgent, createUser, type TestAgent } from "../helpers/fixtures.ts";
import type { GatewayProcess } from "../helpers/gateway-process.ts";
import { startRedis } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";

const redis = await startRedis();
const SECRET_WORDS = "words-only-the-caller-should-see";

// Skipped only without redis-server: startRedis printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!redis)("a cluster whose Redis is full", () => {
  let nodes: GatewayProcess[] = [];
  let agent: TestAgent | undefined;
  let viaB: ApiClient;
  const admin = new Redis(redis?.url ?? "redis://127.0.0.1:1", { lazyConnect: true });

  beforeAll(async () => {
    // No rate limit: its count is a session-store write, which would refuse every call before it crosses nodes.
    const started = await startNodes(redis!.url, ["bun", "node"], { AGENT_MESH_RATE_LIMIT: "off" });
    nodes = started.nodes;
    const user = await createUser(nodes[0]!.url, started.adminToken, "full-cluster-user");
    await createAgent(user.api, { name: "worker" });
    agent = await connectAgent(nodes[0]!.url, user.token, "worker", (request, reply) =>
      reply.done(`answer to ${request.message}`),
    );
    viaB = apiClient(nodes[1]!.url, user.token);
    await waitFor(async () => (await viaB.get("/v1/agents/worker")).body.online === true, {
      what: "node B sees the agent on node A",
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    admin.disconnect();
    await redis?.stop();
  });

  it("answers 507 store_full to calls that cross the nodes, keeps the caller's words out of the log, and relays again once Redis has room", async () => {
    await admin.config("SET", "maxmemory-policy", "noeviction");
    await admin.config("SET", "maxmemory", "1");
    try {
      const sync = await viaB.post("/v1/agents/worker/messages", { message: SECRET_WORDS });
      expect([sync.status, sync.body.error?.code], JSON.stringify(sync.body)).toEqual([507, "store_full"]);
      expect(sync.body.error.message).toMatch(/Redis reached its maxmemory.*Retry later/);
      const stream = await viaB.stream("/v1/agents/worker/messages", { message: SECRET_WORDS });
      expect([stream.status, stream.body?.error?.code]).toEqual([507, "store_full"]);
    } finally {
      await admin.config("SET", "maxmemory", "0");
    }
    for (const node of nodes) {
      expect(node.output()).not.toContain(SECRET_WORDS);
      expect(node.output()).not.toContain("internal_error");
    }

    const after = await viaB.post("/v1/agents/worker/messages", { message: "room again" });
    expect([after.status, after.body.result]).toEqual([200, "answer to room again"]);
  });
});
