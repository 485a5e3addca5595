/**
 * A gateway whose Redis takes no writes while it still serves reads, over TCP or through an Upstash REST endpoint:
 * a read-only replica (`READONLY`: after a failover that left the gateway pointed at one; made here with
 * `REPLICAOF` towards a port nobody listens on), or a server that cannot save to its disk (`MISCONF`: its snapshot
 * failed, here in a folder that was removed, and `stop-writes-on-bgsave-error` is on, as by default).
 *
 * Callers get 503 `store_read_only` with advice (they got a 500), reads go on, the gateway logs it once without
 * the refused command's arguments (ioredis printed them: a caller's message), takes writes again as soon as Redis
 * does, and saves an agent's answer that came meanwhile (the refusal passes, as a full Redis does).
 */
import { rmSync } from "node:fs";
import { inspect } from "node:util";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { rethrowRedisRefusal } from "../../gateway/src/session-stores/redis.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { freePort, startRedis } from "../helpers/redis-server.ts";
import { startUpstashServer } from "../helpers/upstash-server.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

// A Redis of its own, in a folder of its own: the MISCONF case removes that folder.
const redis = await startRedis({ ownDir: true });
const upstash = redis ? await startUpstashServer(redis.url) : null;
const SECRET_WORDS = "words-only-the-caller-should-see";

/** Each way Redis stops taking writes, and how it takes them again. */
const CONDITIONS = {
  async replica(admin: Redis) {
    await admin.call("REPLICAOF", "127.0.0.1", String(await freePort()));
    return async () => void (await admin.call("REPLICAOF", "NO", "ONE"));
  },
  async "cannot save"(admin: Redis) {
    const [, dir] = (await admin.config("GET", "dir")) as [string, string];
    await admin.config("SET", "save", "3600 1");
    rmSync(dir, { recursive: true, force: true });
    await admin.call("BGSAVE");
    await waitFor(async () => (await admin.info("persistence")).includes("rdb_last_bgsave_status:err"), {
      what: "Redis's snapshot failing",
    });
    return async () => void (await admin.config("SET", "save", ""));
  },
};

// Skipped only without redis-server: startRedis printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!redis)("a gateway whose Redis takes no writes", () => {
  const admin = new Redis(redis?.url ?? "redis://127.0.0.1:1", { lazyConnect: true });
  let gateway: GatewayProcess | undefined;
  let restore: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await restore?.();
    restore = undefined;
    await gateway?.stop();
  });
  afterAll(async () => {
    admin.disconnect();
    await upstash?.stop();
    await redis?.stop();
  });

  function startOn(store: "redis" | "upstash"): Promise<GatewayProcess> {
    const env: Record<string, string> =
      store === "redis"
        ? { REDIS_URL: redis!.url }
        : { UPSTASH_REDIS_REST_URL: upstash!.url, UPSTASH_REDIS_REST_TOKEN: upstash!.token };
    return startGateway({ runtime: "node", store, env });
  }

  it.each([
    ["redis", "replica", /Redis is a read-only replica/],
    ["upstash", "replica", /Redis is a read-only replica/],
    ["redis", "cannot save", /Redis cannot save to its disk/],
  ] as const)("answers 503 store_read_only (%s, %s), says so once, serves reads, and takes writes again", async (store, condition, reason) => {
    gateway = await startOn(store);
    const user = await createUser(gateway.url, gateway.adminToken, `${store}-ro-user`);
    const name = `${store}-${condition.replace(" ", "-")}`;
    await createAgent(user.api, { name });
    restore = await CONDITIONS[condition](admin);

    for (let i = 0; i < 3; i++) {
      const refused = await user.api.post(`/v1/agents/${name}/messages`, {
        message: SECRET_WORDS,
        async: true,
      });
      expect([refused.status, refused.body.error?.code], JSON.stringify(refused.body)).toEqual([
        503,
        "store_read_only",
      ]);
      expect(refused.body.error.message).toMatch(reason);
      expect(refused.body.error.message).toMatch(/reads still work\. Retry later/);
    }
    expect((await user.api.get(`/v1/agents/${name}`)).status).toBe(200);
    const output = gateway.output();
    expect(output.match(/takes no writes: (READONLY|MISCONF)/g), output).toHaveLength(1);
    expect(output).not.toContain(SECRET_WORDS);

    await restore();
    restore = undefined;
    const after = await user.api.post(`/v1/agents/${name}/messages`, {
      message: "writable again",
      async: true,
    });
    expect(after.status, JSON.stringify(after.body)).toBe(202);
  });

  it("saves an agent's answer that came while Redis was a read-only replica once it takes writes", async () => {
    gateway = await startOn("redis");
    const user = await createUser(gateway.url, gateway.adminToken, "ro-answer-user");
    await createAgent(user.api, { name: "late" });
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const agent = await connectAgent(gateway.url, user.token, "late", async (request, reply) => {
      await answered;
      reply.done(`answer to ${request.message}`);
    });
    try {
      const queued = await user.api.post("/v1/agents/late/messages", { message: "the work", async: true });
      expect(queued.status).toBe(202);
      const task = async () => (await user.api.get(`/v1/tasks/${queued.body.task_id}`)).body;
      await waitFor(async () => (await task()).status === "working", { what: "the task running" });
      restore = await CONDITIONS.replica(admin);
      answer();
      // Reads go on: the task is still working, its answer held by the gateway (and the agent), not lost.
      await sleep(1500);
      expect((await task()).status).toBe("working");
      await restore();
      restore = undefined;
      await waitFor(async () => (await task()).status === "completed", {
        what: "the answer saved once Redis took writes",
      });
      expect((await task()).result).toBe("answer to the work");
    } finally {
      agent.stop();
    }
  });

  it("keeps the values of a command Redis refused for another reason out of what a log prints", async () => {
    // A real reply error: ioredis keeps the command on it, arguments included.
    const refused = await admin.call("HSET", "a-key", SECRET_WORDS).catch((error: unknown) => error);
    expect(inspect(refused)).toContain(SECRET_WORDS);
    let thrown: unknown;
    try {
      rethrowRedisRefusal(refused, "the session store (redis)");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(refused); // not a refusal of the store's: still an unexpected error (a 500)
    expect(inspect(thrown, { depth: 10 })).not.toContain(SECRET_WORDS);
    expect(inspect(thrown)).toContain("wrong number of arguments");
  });
});
