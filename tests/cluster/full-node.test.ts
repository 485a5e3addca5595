/**
 * A full node in a cluster (Bun and Node behind the load balancer, the Bun node capped at one agent with
 * `AGENT_MESH_MAX_AGENTS`): agents the full node refuses with `503 node_full` retry through the balancer and land
 * on the node with room, so the whole fleet connects and callers reach every agent.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { AgentClient, ClientStatus } from "../../connector/src/client/agent-client.ts";
import { apiClient } from "../helpers/api.ts";
import { startCluster } from "../helpers/cluster.ts";
import { createAgent, createUser, echoClient } from "../helpers/fixtures.ts";

const cluster = await startCluster(["bun", "node"], (index) => ({
  AGENT_MESH_MAX_AGENTS: index === 0 ? "1" : "50",
}));

// Skipped only without redis-server: startCluster printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!cluster)("cluster: a full node's agents go to a node with room", () => {
  const c = cluster!;
  const clients: AgentClient[] = [];
  afterAll(async () => {
    for (const client of clients) client.stop();
    await c.stop();
  });

  it("connects every agent through the balancer, none beyond the full node's cap", async () => {
    const user = await createUser(c.url, c.adminToken, "fleet-owner");
    const names = ["f1", "f2", "f3", "f4", "f5", "f6"];
    for (const name of names) await createAgent(user.api, { name });
    const statuses: ClientStatus[] = [];
    // One after another, so the balancer's round robin sends every second attempt to the full node.
    for (const name of names) {
      const client = echoClient(c.url, user.token, name, { statuses });
      clients.push(client);
      await client.start();
    }
    const refusals = statuses.filter((s) => s.type === "disconnected" && s.refusal?.includes("node_full"));
    expect(refusals.length).toBeGreaterThanOrEqual(2);

    const figures = await Promise.all(
      c.nodes.map(async (node) => (await apiClient(node.url, c.adminToken).get("/v1/node")).body),
    );
    expect(figures[0]).toMatchObject({ agents_connected: 1, agents_max: 1 });
    expect(figures[1]).toMatchObject({ agents_connected: 5, agents_max: 50 });
    for (const name of names) {
      const res = await user.api.post(`/v1/agents/${name}/messages`, { message: `hi ${name}` });
      expect(res.body.result).toBe(`hi ${name}`);
    }
  });
});
