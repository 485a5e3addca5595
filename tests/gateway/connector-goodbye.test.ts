/**
 * A connector stopped by its user (`agent-mesh stop`, Ctrl-C) closes its socket with 1000 after aborting its
 * requests: it will not resume them. The gateway ends them at once — a live call's caller is told `agent_offline`, a
 * task goes back to the queue — instead of waiting out the grace window for a reconnect that is not coming (the
 * caller of a live call used to wait the whole window). A socket lost without a goodbye still gets the window.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventData } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";

/** Far longer than the test waits: a request still pending after a goodbye would outlast it. */
const GRACE_MS = 120_000;

/** An agent that takes every request and never answers. */
const silent = () => {};

for (const runtime of ["node", "bun", "deno", "workerd"] as RuntimeName[]) {
  describe(`a connector's goodbye on ${runtime}`, () => {
    let gateway: GatewayProcess;
    let user: Awaited<ReturnType<typeof createUser>>;
    beforeAll(async () => {
      gateway = await startGateway({ runtime, env: { AGENT_MESH_GRACE_MS: String(GRACE_MS) } });
      user = await createUser(gateway.url, gateway.adminToken, `goodbye-${runtime}`);
    });
    afterAll(async () => gateway?.stop());

    it("fails a live call at once when its connector stops, instead of after the grace window", async () => {
      const agent = await createAgent(user.api);
      const connected = await connectAgent(gateway.url, user.token, agent.name, silent);
      const call = user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "wait for me" });
      await waitFor(() => connected.requests.length === 1, { what: "the request at the agent" });
      const stoppedAt = Date.now();
      connected.stop();
      const res = await call;
      const [error] = eventData(res.events, "error");
      expect(error).toMatchObject({ code: "agent_offline" });
      expect(error.message).toContain("its connector stopped");
      expect(Date.now() - stoppedAt).toBeLessThan(GRACE_MS / 4);
    }, 60_000);

    it("puts a task back in the queue at once, and the agent's next connector runs it", async () => {
      const agent = await createAgent(user.api);
      const first = await connectAgent(gateway.url, user.token, agent.name, silent);
      const queued = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "a durable job",
        async: true,
      });
      expect(queued.status).toBe(202);
      await waitFor(() => first.requests.length === 1, { what: "the task at the agent" });
      first.stop();
      await waitFor(
        async () => (await user.api.get(`/v1/tasks/${queued.body.task_id}`)).body.status === "submitted",
        { what: "the task back in the queue", timeoutMs: 20_000 },
      );
      const second = await connectAgent(gateway.url, user.token, agent.name);
      try {
        await waitFor(
          async () => (await user.api.get(`/v1/tasks/${queued.body.task_id}`)).body.status === "completed",
          { what: "the task run by the next connector", timeoutMs: 20_000 },
        );
      } finally {
        second.stop();
      }
    }, 60_000);
  });
}
