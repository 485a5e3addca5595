/**
 * A task accepted through node B for an agent on node A, whose handoff (the `taskQueued` command in node A's inbox)
 * Redis refuses for now: full (`store_full`, its `maxmemory` reached in the moment after the task was saved) or
 * unreachable. The task is accepted, so the handoff is tried again until it goes through: the agent gets the task
 * while it stays connected, not at its next reconnect. Before, only an unreachable Redis was waited out.
 *
 * Two in-process gateway nodes on one redis-server; node B's Redis commands go through a wrapper that refuses its
 * next inbox writes with the store's own refusal, as its connection does (runtimes/shared/cluster-from-env.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestAgent } from "../helpers/fixtures.ts";
import { agentAcrossNodes, InProcessCluster, refusingRedis } from "../helpers/in-process-cluster.ts";
import type { inProcessApi } from "../helpers/in-process-gateway.ts";
import { startRedis } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";

const redis = await startRedis();
const PREFIX = `handoff-refused-${process.pid}:`;

// Skipped only without redis-server: startRedis printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!redis)("a task whose handoff to the agent's node Redis refuses for now", () => {
  let cluster: InProcessCluster | undefined;
  let agent: TestAgent | undefined;
  let inbox: ReturnType<typeof refusingRedis>;
  let viaB: ReturnType<typeof inProcessApi>;
  const received: string[] = [];

  beforeAll(async () => {
    cluster = new InProcessCluster(redis!.url, PREFIX);
    ({ agent, viaB } = await agentAcrossNodes(cluster, {
      user: "handoff-user",
      agentName: "worker",
      // Node B's commands to other nodes (`EVAL script 1 <prefix>cluster:inbox:<node> …`, node-inbox.ts send).
      commandsB: (client) => {
        inbox = refusingRedis(client, "cluster:inbox:");
        return inbox.caller;
      },
      handler: (request, reply) => {
        received.push(request.message);
        reply.done("ok");
      },
    }));
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
