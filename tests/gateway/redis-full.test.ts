/**
 * A gateway whose Redis reached its `maxmemory` (policy `noeviction`: Redis then answers every write with an OOM
 * error): callers get 507 `store_full` with advice on every door, not a 500; the gateway logs it once, not a
 * stack per request; and it takes work again as soon as Redis has room.
 */
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { createAgent, createUser, queueUntilRefused } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { redisForFile } from "../helpers/store-harness.ts";

const redis = await redisForFile();

describe.runIf(redis)("a gateway whose Redis is full", () => {
  const admin = new Redis(redis?.url ?? "redis://127.0.0.1:1", { lazyConnect: true });
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await admin.config("SET", "maxmemory", "0");
  });
  afterAll(() => admin.disconnect());

  it("answers 507 store_full on /v1, the inbox and A2A, says so once, and takes work again when Redis has room", async () => {
    gateway = await startGateway({ runtime: "node", store: "redis", env: { REDIS_URL: redis!.url } });
    const user = await createUser(gateway.url, gateway.adminToken, "redis-filler");
    await createAgent(user.api, { name: "worker" });
    const used = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))![1]);
    await admin.config("SET", "maxmemory-policy", "noeviction");
    await admin.config("SET", "maxmemory", String(used + 512 * 1024));

    const { accepted: ids, refused } = await queueUntilRefused(user.api, "worker", "r".repeat(4000));
    const accepted = ids.length;
    expect(accepted).toBeGreaterThan(10);
    expect(refused?.status).toBe(507);
    expect(refused?.body.error.code).toBe("store_full");
    expect(refused?.body.error.message).toMatch(/Redis reached its maxmemory.*Retry later/);

    // Redis refuses a write only while it is over the limit, and its use moves: held over it from here on.
    await admin.config("SET", "maxmemory", "1");
    const inbox = await user.api.post("/v1/agents/worker/inbox", { message: "hello" });
    expect([inbox.status, inbox.body.error.code]).toEqual([507, "store_full"]);
    const a2a = await apiClient(gateway.url, user.token, { "a2a-version": "1.0" }).post(
      "/a2a/worker/message:send",
      { message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "hi" }] } },
    );
    expect(a2a.status).toBe(429);
    expect(a2a.body.error.status).toBe("RESOURCE_EXHAUSTED");
    expect(JSON.stringify(a2a.body.error.details)).toContain("store_full");

    // Logged once (with what Redis said), not once per refusal.
    expect(
      gateway.output().match(/the session store \(redis\) is full: OOM command not allowed/g),
    ).toHaveLength(1);

    await admin.config("SET", "maxmemory", "0");
    // Only the accepted tasks exist: what a refused one had written is gone again.
    let listed = 0;
    for (let cursor = ""; ; ) {
      const page = (await user.api.get(`/v1/tasks?agent=worker&limit=100${cursor && `&cursor=${cursor}`}`))
        .body;
      listed += page.tasks.length;
      if (!page.next_cursor || page.tasks.length < 100) break;
      cursor = page.next_cursor;
    }
    expect(listed).toBe(accepted);
    const after = await user.api.post("/v1/agents/worker/messages", { message: "room again", async: true });
    expect(after.status).toBe(202);
  });
});
