/**
 * A large fleet through the doors that list agents: `GET /v1/agents` answers one page (100 unless `limit` says
 * otherwise, at most 1,000) with the cursor of the next, and MCP `list_agents` names at most 200 agents and says
 * how many more there are, so a fleet never lands whole in a response or in a model's context.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, listAllAgents } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { mcpClient, resultText } from "../helpers/mcp-client.ts";

const FLEET = 230;

describe("listing a fleet", () => {
  let gateway: GatewayProcess;
  let owner: Awaited<ReturnType<typeof createUser>>;
  const name = (n: number) => `fleet-${String(n).padStart(3, "0")}`;

  beforeAll(async () => {
    gateway = await startGateway({ runtime: "bun", store: "fs" });
    owner = await createUser(gateway.url, gateway.adminToken, "fleet-owner");
    for (let first = 0; first < FLEET; first += 32) {
      await Promise.all(
        Array.from({ length: Math.min(32, FLEET - first) }, async (_, i) => {
          const res = await owner.api.post("/v1/agents", { name: name(first + i) });
          if (res.status !== 201) throw new Error(JSON.stringify(res.body));
        }),
      );
    }
  });
  afterAll(async () => gateway?.stop());

  it("answers GET /v1/agents a page at a time", async () => {
    const first = await owner.api.get("/v1/agents");
    expect(first.status).toBe(200);
    expect(first.body.agents).toHaveLength(100);
    expect(first.body.next_cursor).toBe(name(99));
    const all = await listAllAgents(owner.api, {}, 64);
    expect(all.map((a) => a.name)).toEqual(Array.from({ length: FLEET }, (_, n) => name(n)));
    const someoneElse = await createUser(gateway.url, gateway.adminToken, "fleet-stranger");
    expect(await someoneElse.api.get("/v1/agents")).toMatchObject({
      status: 200,
      body: { agents: [], next_cursor: null },
    });
  });

  it("names at most 200 agents in MCP list_agents, and how many more there are", async () => {
    const { client, close } = await mcpClient(`${gateway.url}/mcp`, "modern", {
      authorization: `Bearer ${owner.token}`,
    });
    try {
      const lines = resultText(await client.callTool({ name: "list_agents", arguments: {} })).split("\n");
      expect(lines).toHaveLength(201);
      expect(lines[0]).toBe(`- ${name(0)} (offline)`);
      expect(lines[199]).toBe(`- ${name(199)} (offline)`);
      expect(lines[200]).toMatch(/^…and 30 more \(230 in all, by name\); get_agent_status/);
    } finally {
      await close();
    }
  });
});
