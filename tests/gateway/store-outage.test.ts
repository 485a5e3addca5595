/**
 * A real gateway (Bun and Deno) on the redis store while Redis goes away and comes back: every request answers
 * within 2 s with 503 store_unavailable, /health says 503 with the store's state, the outage is logged once each
 * way (no ioredis "Unhandled error event"), and work accepted before the outage completes once Redis is back.
 */
import { afterAll, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { startRestartableRedis } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";

const redis = await startRestartableRedis();
afterAll(async () => redis?.stop());

const timed = async <T>(run: () => Promise<T>) => {
  const started = Date.now();
  const result = await run();
  return { result, ms: Date.now() - started };
};

for (const runtime of ["bun", "deno"] as RuntimeName[]) {
  describe.skipIf(!redis)(`store outage on ${runtime} with the redis store`, () => {
    let gateway: GatewayProcess;
    afterAll(async () => {
      await redis?.start(); // in case the test failed during the outage
      await gateway?.stop();
    });

    it("answers 503 store_unavailable fast while Redis is down and recovers the work accepted before", async () => {
      gateway = await startGateway({ runtime, store: "redis", env: { REDIS_URL: redis!.url } });
      const { url, adminToken } = gateway;
      const user = await createUser(url, adminToken, `outage-${runtime}`);
      const agent = await createAgent(user.api);
      const queued = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "queued",
        async: true,
      });
      expect(queued.status).toBe(202);

      // A second agent is connected and holds a task while Redis goes away; it answers during the outage.
      const busy = await createAgent(user.api);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const holder = await connectAgent(url, user.token, busy.name, async (request, reply) => {
        await released;
        reply.done(`held:${request.message}`);
      });
      const held = await user.api.post(`/v1/agents/${busy.name}/messages`, {
        message: "running",
        async: true,
      });
      await waitFor(() => holder.requests.length === 1, { what: "delivery before the outage" });

      await redis!.halt();
      release();
      // The node notices the closed connection at once; on a busy machine that takes a moment, never 2 s.
      const health = await waitFor(
        async () => {
          const res = await apiClient(url).get("/health");
          return res.status === 503 ? res : null;
        },
        { timeoutMs: 2000, what: "/health to report the outage" },
      );
      expect(health.body).toMatchObject({ ok: false, store: "redis", store_state: "unavailable" });
      const requests = [
        () => user.api.get("/v1/agents"),
        () => user.api.post(`/v1/agents/${agent.name}/messages`, { message: "sync during outage" }),
        () => user.api.post(`/v1/agents/${agent.name}/messages`, { message: "async", async: true }),
        () => user.api.get(`/v1/tasks/${queued.body.task_id}`),
        () => apiClient(url, adminToken).post("/v1/tokens", { name: "during-outage" }),
      ];
      for (const request of requests) {
        const { result, ms } = await timed(request);
        expect(result.status, JSON.stringify(result.body)).toBe(503);
        expect(result.body.error.code).toBe("store_unavailable");
        expect(result.body.error.message).toMatch(/redis at 127\.0\.0\.1:\d+\) is unreachable/);
        expect(ms).toBeLessThan(2000);
      }

      await redis!.start();
      await waitFor(async () => (await apiClient(url).get("/health")).status === 200, {
        timeoutMs: 5000,
        what: "health after Redis returned",
      });
      // The answer given during the outage was kept and saved once Redis answered.
      const heldTask = await waitFor(
        async () => {
          const res = await user.api.get(`/v1/tasks/${held.body.task_id}`);
          return res.body.status === "completed" ? res.body : null;
        },
        { timeoutMs: 5000, what: "task answered during the outage" },
      );
      expect(heldTask.result).toBe("held:running");
      // The task queued before the outage is delivered once its agent connects.
      const connected = await connectAgent(url, user.token, agent.name);
      const task = await waitFor(
        async () => {
          const res = await user.api.get(`/v1/tasks/${queued.body.task_id}`);
          return res.body.status === "completed" ? res.body : null;
        },
        { timeoutMs: 5000, what: "task queued before the outage" },
      );
      expect(task.result).toBe("queued");
      expect(connected.requests.map((request) => request.message)).toEqual(["queued"]);
      expect(holder.requests).toHaveLength(1);
      connected.stop();
      holder.stop();

      const log = gateway.output();
      expect(log.match(/lost the session store/g)).toHaveLength(1);
      expect(log.match(/session store \(redis at [^)]+\) is back/g)).toHaveLength(1);
      expect(log).not.toMatch(/Unhandled error event/);
      expect(log).not.toMatch(/^\s+at /m); // no stack trace per refused request
    });
  });
}
