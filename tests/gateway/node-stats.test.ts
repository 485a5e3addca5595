/**
 * `GET /v1/node` on a real self-hosted gateway (node, bun, deno): the agents connected to this node, the requests
 * in flight on it, its memory and the open-files limit that caps its fleet, as the admin sees them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser, type TestAgent } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";

for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
  describe(`GET /v1/node on ${runtime}`, () => {
    let gateway: GatewayProcess;
    const agents: TestAgent[] = [];
    beforeAll(async () => {
      gateway = await startGateway({ runtime, openFiles: 4096 });
    });
    afterAll(async () => {
      for (const agent of agents) agent.stop();
      await gateway?.stop();
    });

    it("counts connected agents and requests in flight, with memory and the open-files limit", async () => {
      const admin = apiClient(gateway.url, gateway.adminToken);
      const node = async () => (await admin.get("/v1/node")).body;
      expect(await node()).toMatchObject({ runtime, agents_connected: 0, requests_in_flight: 0 });

      const user = await createUser(gateway.url, gateway.adminToken, `fleet-${runtime}`);
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      for (const name of ["one", "two", "three"]) {
        const agent = await createAgent(user.api, { name });
        agents.push(
          await connectAgent(gateway.url, user.token, agent.name, async (request, reply) => {
            await held;
            reply.done(request.message);
          }),
        );
      }
      const call = user.api.post("/v1/agents/one/messages", { message: "wait for it" });
      await waitFor(async () => (await node()).requests_in_flight === 1, { what: "the call in flight" });
      const during = await node();
      expect(during).toMatchObject({
        agents_connected: 3,
        requests_in_flight: 1,
        open_files_limit: 4096,
        // The limit less 1,000 files kept for callers and storage (runtimes/shared/open-files.ts).
        agents_max: 3096,
      });
      expect(during.rss_bytes).toBeGreaterThan(1024 * 1024);
      release();
      expect((await call).status).toBe(200);

      agents.pop()!.stop();
      await waitFor(async () => (await node()).agents_connected === 2, {
        what: "the count after a disconnect",
      });
      expect((await node()).requests_in_flight).toBe(0);
    });
  });
}
