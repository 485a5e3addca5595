/**
 * A task accepted through node B for an agent on node A, whose handoff (the `taskQueued` command in node A's inbox)
 * Redis refuses for now: full (`store_full`, its `maxmemory` reached in the moment after the task was saved) or
 * unreachable. The task is accepted, so the handoff is tried again until it goes through: the agent gets the task
 * while it stays connected, not at its next reconnect. Before, only an unreachable Redis was waited out.
 *
 * Two in-process gateway nodes on one redis-server; node B's Redis commands go through a wrapper that refuses its
 * next inbox writes with the store's own refusal, as its connection does (runtimes/shared/cluster-from-env.ts).
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisCaller } from "../../gateway/src/cluster/presence.ts";
import { StoreError } from "../../gateway/src/session-stores/_errors.ts";
import { connectAgent, type TestAgent } from "../helpers/fixtures.ts";
import { InProcessCluster } from "../helpers/in-process-cluster.ts";
import { IN_PROCESS_ADMIN_TOKEN, inProcessApi } from "../helpers/in-process-gateway.ts";
import { startRedis } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";

const redis = await startRedis();
const PREFIX = `handoff-refused-${process.pid}:`;

const REFUSALS = {
  store_full: () =>
    new StoreError("store_full", "the cluster's redis (test) is full: OOM command not allowed", {
      reason: "Redis reached its maxmemory",
    }),
  store_unavailable: () => new StoreError("store_unavailable", "the cluster's redis (test) is unreachable"),
};

/** Node B's Redis: the real connection, except for the inbox writes it is told to refuse. */
function refusingInbox(client: Redis) {
  let refusing = 0;
  let refusal: keyof typeof REFUSALS = "store_full";
  let refused = 0;
  const caller: RedisCaller = {
    call(command, ...args) {
      // `EVAL script 1 <prefix>cluster:inbox:<node> …`: a command to another node (node-inbox.ts, send).
      if (refusing > 0 && command === "EVAL" && String(args[2]).includes("cluster:inbox:")) {
        refusing--;
        refused++;
        return Promise.reject(REFUSALS[refusal]());
      }
      return client.call(command, ...args);
    },
  };
  return {
    caller,
    refuseNext(count: number, code: keyof typeof REFUSALS) {
      refusing = count;
      refusal = code;
    },
    refused: () => refused,
  };
}

// Skipped only without redis-server: startRedis printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!redis)("a task whose handoff to the agent's node Redis refuses for now", () => {
  let cluster: InProcessCluster | undefined;
  let agent: TestAgent | undefined;
  let inbox: ReturnType<typeof refusingInbox>;
  let viaB: ReturnType<typeof inProcessApi>;
  const received: string[] = [];

  beforeAll(async () => {
    cluster = new InProcessCluster(redis!.url, PREFIX);
    const a = cluster.node("node-a");
    const b = cluster.node("node-b", (client) => {
      inbox = refusingInbox(client);
      return inbox.caller;
    });
    await Promise.all([a.init(), b.init()]);
    const url = await cluster.serve(a);

    const admin = inProcessApi(b, IN_PROCESS_ADMIN_TOKEN);
    const user = await admin.post<{ token: string }>("/v1/tokens", { name: "handoff-user" });
    viaB = inProcessApi(b, user.body.token);
    expect((await viaB.post("/v1/agents", { name: "worker" })).status).toBe(201);
    agent = await connectAgent(url, user.body.token, "worker", (request, reply) => {
      received.push(request.message);
      reply.done("ok");
    });
    await waitFor(async () => (await viaB.get("/v1/agents/worker")).body.online === true, {
      what: "node B sees the agent on node A",
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await cluster?.dispose();
    await redis?.stop();
  });

  it.each([
    "store_full",
    "store_unavailable",
  ] as const)("the connected agent gets the task once the handoff goes through (%s)", async (code) => {
    const refusedBefore = inbox.refused();
    inbox.refuseNext(2, code);
    const message = `queued while ${code}`;
    const res = await viaB.post("/v1/agents/worker/messages", { message, async: true });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitFor(() => received.includes(message), {
      what: `the agent getting "${message}"`,
      timeoutMs: 5000,
    });
    expect(inbox.refused() - refusedBefore).toBe(2);
    await waitFor(async () => (await viaB.get(`/v1/tasks/${res.body.task_id}`)).body.status === "completed", {
      what: "the task completed",
    });
  });
});
