/**
 * A large fleet through the doors that list agents: `GET /v1/agents` answers one page (100 unless `limit` says
 * otherwise, at most 1,000) with the cursor of the next, and MCP `list_agents` names at most 200 agents and says
 * there are more, so a fleet never lands whole in a response or in a model's context. A filter that matches little
 * reads at most 2,000 records a request (PAGE_READS_MAX): the page ends early, even empty, and its cursor goes on,
 * so one search never reads the whole fleet while the event loop waits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_READS_MAX } from "../../gateway/src/util/pages.ts";
import { createUser, listAllAgents } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { mcpClient, resultText } from "../helpers/mcp-client.ts";

const FLEET = PAGE_READS_MAX + 100;

/** POSTs `count` bodies to `path`, 32 at a time. */
async function postMany(
  api: Awaited<ReturnType<typeof createUser>>["api"],
  path: string,
  count: number,
  body: (n: number) => object,
): Promise<void> {
  for (let first = 0; first < count; first += 32) {
    await Promise.all(
      Array.from({ length: Math.min(32, count - first) }, async (_, i) => {
        const res = await api.post(path, body(first + i));
        if (res.status !== 201 && res.status !== 202) throw new Error(JSON.stringify(res.body));
      }),
    );
  }
}

describe("listing a fleet", () => {
  let gateway: GatewayProcess;
  let owner: Awaited<ReturnType<typeof createUser>>;
  const name = (n: number) => `fleet-${String(n).padStart(4, "0")}`;

  beforeAll(async () => {
    // Thousands of creates and tasks from one token: more than the default rate limit lets through.
    gateway = await startGateway({
      runtime: "bun",
      store: "fs",
      env: { AGENT_MESH_RATE_LIMIT: "100000/60s" },
    });
    owner = await createUser(gateway.url, gateway.adminToken, "fleet-owner");
    // The last agent alone says "needle" (in its description), and only the first has a capability.
    await postMany(owner.api, "/v1/agents", FLEET, (n) => ({
      name: name(n),
      ...(n === FLEET - 1 ? { description: "finds the Needle" } : {}),
      ...(n === 0 ? { capabilities: ["first"] } : {}),
    }));
  }, 120_000);
  afterAll(async () => gateway?.stop());

  it("answers GET /v1/agents a page at a time", async () => {
    const first = await owner.api.get("/v1/agents");
    expect(first.status).toBe(200);
    expect(first.body.agents).toHaveLength(100);
    expect(first.body.next_cursor).toBe(name(99));
    const all = await listAllAgents(owner.api, {}, 1000);
    expect(all.map((a) => a.name)).toEqual(Array.from({ length: FLEET }, (_, n) => name(n)));
    const someoneElse = await createUser(gateway.url, gateway.adminToken, "fleet-stranger");
    expect(await someoneElse.api.get("/v1/agents")).toMatchObject({
      status: 200,
      body: { agents: [], next_cursor: null },
    });
  });

  it("reads at most PAGE_READS_MAX agents for a filtered page, and its cursor goes on", async () => {
    const first = await owner.api.get("/v1/agents?q=needle&limit=10");
    expect(first.body).toEqual({ agents: [], next_cursor: name(PAGE_READS_MAX - 1) });
    const second = await owner.api.get(`/v1/agents?q=needle&limit=10&cursor=${first.body.next_cursor}`);
    expect(second.body.agents.map((a: { name: string }) => a.name)).toEqual([name(FLEET - 1)]);
    expect(second.body.next_cursor).toBeNull();
    // A page not yet full when the reads run out ends there, with what it found.
    const capable = await owner.api.get("/v1/agents?capability=first&limit=2");
    expect(capable.body).toEqual({
      agents: [expect.objectContaining({ name: name(0) })],
      next_cursor: name(PAGE_READS_MAX - 1),
    });
    const online = await listAllAgents(owner.api, { online: "true" }, 1000);
    expect(online).toEqual([]);
  });

  it("reads at most PAGE_READS_MAX tasks for a filtered page of GET /v1/tasks", async () => {
    await postMany(owner.api, `/v1/agents/${name(1)}/messages`, FLEET, (n) => ({
      message: `${n}`,
      async: true,
    }));
    const first = await owner.api.get("/v1/tasks?status=completed&limit=5");
    expect(first.body.tasks).toEqual([]);
    expect(first.body.next_cursor).toMatch(/^ag_[0-9a-f]{16}\./);
    const second = await owner.api.get(`/v1/tasks?status=completed&limit=5&cursor=${first.body.next_cursor}`);
    expect(second.body).toEqual({ tasks: [], next_cursor: null });
    const submitted = await owner.api.get("/v1/tasks?status=submitted&limit=100");
    expect(submitted.body.tasks).toHaveLength(100);
  }, 120_000);

  it("names at most 200 agents in MCP list_agents, says there are more, and narrows by query", async () => {
    const { client, close } = await mcpClient(`${gateway.url}/mcp`, "modern", {
      authorization: `Bearer ${owner.token}`,
    });
    try {
      const lines = resultText(await client.callTool({ name: "list_agents", arguments: {} })).split("\n");
      expect(lines).toHaveLength(201);
      expect(lines[0]).toBe(`- ${name(0)} (offline) [first]`);
      expect(lines[199]).toBe(`- ${name(199)} (offline)`);
      expect(lines[200]).toMatch(
        /^…and more, past fleet-0199 by name: narrow the list with query or capability;/,
      );
      const needle = resultText(
        await client.callTool({ name: "list_agents", arguments: { query: "NEEDLE" } }),
      );
      expect(needle).toBe(`- ${name(FLEET - 1)} (offline) — finds the Needle`);
      const none = resultText(
        await client.callTool({ name: "list_agents", arguments: { capability: "none" } }),
      );
      expect(none).toBe("No agent you can call matches.");
    } finally {
      await close();
    }
  });
});
