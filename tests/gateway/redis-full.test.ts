/**
 * A gateway whose Redis reached its `maxmemory` (policy `noeviction`: Redis then answers every write with an OOM
 * error), over TCP or through an Upstash REST endpoint: callers get 507 `store_full` with advice on every door,
 * not a 500; the gateway logs it once, not a stack per request; and it takes work again as soon as Redis has room.
 * The same for Upstash's own data size quota (`ERR DB capacity quota exceeded`). An agent's answer that comes while
 * Redis is full is kept and saved once it has room, as through an outage.
 */
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser, queueUntilRefused } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { redisForFile } from "../helpers/store-harness.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const redis = await redisForFile({ upstash: true });

/** The gateway on `store`: redis over TCP, or upstash (REST) over the same Redis. */
function startOn(store: "redis" | "upstash", extra: Record<string, string> = {}): Promise<GatewayProcess> {
  const env: Record<string, string> =
    store === "redis"
      ? { REDIS_URL: redis!.url }
      : { UPSTASH_REDIS_REST_URL: redis!.upstash!.url, UPSTASH_REDIS_REST_TOKEN: redis!.upstash!.token };
  return startGateway({ runtime: "node", store, env: { ...env, ...extra } });
}

// Skipped only without redis-server: redisForFile registered a SKIPPED test saying so, and REQUIRE_REDIS=1 (CI) fails.
describe.runIf(redis)("a gateway whose Redis is full", () => {
  const admin = new Redis(redis?.url ?? "redis://127.0.0.1:1", { lazyConnect: true });
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await admin.config("SET", "maxmemory", "0");
    redis?.upstash?.refuseWrites(null);
  });
  afterAll(() => admin.disconnect());

  it.each([
    "redis",
    "upstash",
  ] as const)("answers 507 store_full on /v1, the inbox and A2A, says so once, and takes work again when Redis has room (%s)", async (store) => {
    gateway = await startOn(store);
    const user = await createUser(gateway.url, gateway.adminToken, `${store}-filler`);
    const worker = `${store}-worker`;
    await createAgent(user.api, { name: worker });
    // One task first, so what the first task allocates once in Redis (scripts, buffers) is in `used`.
    const first = await user.api.post(`/v1/agents/${worker}/messages`, { message: "first", async: true });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const used = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))![1]);
    await admin.config("SET", "maxmemory-policy", "noeviction");
    await admin.config("SET", "maxmemory", String(used + 1024 * 1024));

    const { accepted: ids, refused } = await queueUntilRefused(user.api, worker, "r".repeat(8000));
    ids.unshift(first.body.task_id);
    const accepted = ids.length;
    const seen = () => `${JSON.stringify(refused?.body)}\n${gateway!.output().slice(-2000)}`;
    expect(accepted, seen()).toBeGreaterThan(10);
    expect(refused?.status, seen()).toBe(507);
    expect(refused?.body.error.code).toBe("store_full");
    expect(refused?.body.error.message).toMatch(/Redis reached its maxmemory.*Retry later/);

    // Redis refuses a write only while it is over the limit, and its use moves: held over it from here on.
    await admin.config("SET", "maxmemory", "1");
    const inbox = await user.api.post(`/v1/agents/${worker}/inbox`, { message: "hello" });
    expect([inbox.status, inbox.body.error.code]).toEqual([507, "store_full"]);
    const a2a = await apiClient(gateway.url, user.token, { "a2a-version": "1.0" }).post(
      `/a2a/${worker}/message:send`,
      { message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "hi" }] } },
    );
    expect(a2a.status).toBe(429);
    expect(a2a.body.error.status).toBe("RESOURCE_EXHAUSTED");
    expect(JSON.stringify(a2a.body.error.details)).toContain("store_full");

    // Logged once (with what Redis said), not once per refusal.
    expect(
      gateway
        .output()
        .match(new RegExp(`the session store \\(${store}\\) is full: OOM command not allowed`, "g")),
    ).toHaveLength(1);
    // What the refused command carried (a task's message) never reaches the log.
    expect(gateway.output()).not.toContain("rrrrrrrr");

    await admin.config("SET", "maxmemory", "0");
    // Only the accepted tasks exist: what a refused one had written is gone again.
    let listed = 0;
    for (let cursor = ""; ; ) {
      const page = (await user.api.get(`/v1/tasks?agent=${worker}&limit=100${cursor && `&cursor=${cursor}`}`))
        .body;
      listed += page.tasks.length;
      if (!page.next_cursor || page.tasks.length < 100) break;
      cursor = page.next_cursor;
    }
    expect(listed).toBe(accepted);
    const after = await user.api.post(`/v1/agents/${worker}/messages`, {
      message: "room again",
      async: true,
    });
    expect(after.status).toBe(202);
  });

  /**
   * A task whose agent (the real protocol client) answers once Redis is held over its `maxmemory`: the task's path
   * and the agent, which the caller stops.
   */
  async function answeredWhileFull(
    store: "redis" | "upstash",
    name: string,
    extra: Record<string, string> = {},
  ) {
    gateway = await startOn(store, extra);
    const user = await createUser(gateway.url, gateway.adminToken, `${name}-owner`);
    await createAgent(user.api, { name });
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const agent = await connectAgent(gateway.url, user.token, name, async (request, reply) => {
      await answered;
      reply.done(`answer to ${request.message}`);
    });
    try {
      const queued = await user.api.post(`/v1/agents/${name}/messages`, { message: "the work", async: true });
      expect(queued.status).toBe(202);
      const taskPath = `/v1/tasks/${queued.body.task_id}`;
      const task = async () => (await user.api.get(taskPath)).body;
      await waitFor(async () => (await task()).status === "working", { what: "the task running" });
      await admin.config("SET", "maxmemory-policy", "noeviction");
      await admin.config("SET", "maxmemory", "1");
      answer();
      return { agent, task };
    } catch (error) {
      agent.stop();
      throw error;
    }
  }

  it.each([
    "redis",
    "upstash",
  ] as const)("saves an agent's answer that came while Redis was full once it has room (%s)", async (store) => {
    const { agent, task } = await answeredWhileFull(store, `${store}-late`);
    try {
      // Reads go on while Redis is full: the task is still working, its answer held, not lost.
      await sleep(1500);
      expect((await task()).status).toBe("working");
      await admin.config("SET", "maxmemory", "0");
      await waitFor(async () => (await task()).status === "completed", {
        what: "the answer saved once Redis had room",
      });
      expect((await task()).result).toBe("answer to the work");
    } finally {
      agent.stop();
    }
  });

  it("asks the agent to send its answer again when Redis stayed full longer than the gateway waits", async () => {
    const { agent, task } = await answeredWhileFull("redis", "resender", {
      AGENT_MESH_STORE_RETRY_MS: "1000",
    });
    try {
      // The gateway waits a second for room, then asks the agent to reconnect; the agent sends its answer again
      // (and again, while Redis stays full).
      await waitFor(() => agent.statuses.some((s) => s.type === "disconnected" && s.code === 4002), {
        what: "the agent asked to reconnect",
      });
      expect((await task()).status).toBe("working");
      await admin.config("SET", "maxmemory", "0");
      await waitFor(async () => (await task()).status === "completed", {
        what: "the answer saved once Redis had room",
        timeoutMs: 8000,
      });
      expect((await task()).result).toBe("answer to the work");
      // Acknowledged once saved (acks leave with the next frame or the next sweep): the agent lets go of it.
      await waitFor(() => agent.client.heldRequests === 0, { what: "the agent's answer acknowledged" });
    } finally {
      agent.stop();
    }
  });

  it("answers 503 store_unavailable naming the quota while Upstash's request quota is used up, says so once, and serves again once it resets", async () => {
    gateway = await startOn("upstash");
    const user = await createUser(gateway.url, gateway.adminToken, "requests-quota");
    await createAgent(user.api, { name: "quota-caller" });
    redis!.upstash!.refuseAll("ERR max daily request limit exceeded. Limit: 10000, Usage: 10000.");
    try {
      for (const refused of [
        await user.api.post("/v1/agents/quota-caller/messages", { message: "secret work", async: true }),
        await user.api.get("/v1/agents/quota-caller"),
        await user.api.get("/v1/tasks"),
      ]) {
        expect([refused.status, refused.body.error?.code], JSON.stringify(refused.body)).toEqual([
          503,
          "store_unavailable",
        ]);
        expect(refused.body.error.message).toMatch(
          /refuses its requests \(Upstash's request quota is used up\)/,
        );
      }
      const logged = gateway.output().match(/refuses every request: ERR max daily request limit exceeded/g);
      expect(logged, gateway.output().slice(-2000)).toHaveLength(1);
      expect(gateway.output()).not.toContain("secret work");
    } finally {
      redis!.upstash!.refuseAll(null);
    }
    const after = await user.api.post("/v1/agents/quota-caller/messages", {
      message: "reset",
      async: true,
    });
    expect(after.status).toBe(202);
  });

  it("answers 507 store_full while Upstash's data size quota is used up, and reads go on", async () => {
    gateway = await startOn("upstash");
    const user = await createUser(gateway.url, gateway.adminToken, "quota-filler");
    await createAgent(user.api, { name: "quota-worker" });
    redis!.upstash!.refuseWrites("ERR DB capacity quota exceeded");
    const refused = await user.api.post("/v1/agents/quota-worker/messages", {
      message: "secret work",
      async: true,
    });
    expect(refused.status).toBe(507);
    expect(refused.body.error.code).toBe("store_full");
    expect(refused.body.error.message).toMatch(/Upstash's data size quota is used up.*Retry later/);
    expect((await user.api.get("/v1/agents/quota-worker")).status).toBe(200);
    expect(gateway.output()).toContain("the session store (upstash) is full: ERR DB capacity quota exceeded");
    expect(gateway.output()).not.toContain("secret work");
    redis!.upstash!.refuseWrites(null);
    const after = await user.api.post("/v1/agents/quota-worker/messages", {
      message: "room again",
      async: true,
    });
    expect(after.status).toBe(202);
  });
});
