/**
 * Redis blinks on the agent's node between taking a call from its inbox and accepting it (the acknowledgement the
 * caller's node waits for). Two in-process gateway nodes on one redis-server: the agent's socket is on node A, a
 * real server; calls come in through node B. Node A's Redis commands go through a wrapper that fails its next
 * acknowledgement writes with the store's own `store_unavailable`, as its connection would during an outage.
 *
 * The caller must hear `503 store_unavailable` (retry: the agent is fine), not `agent_offline`, and the agent must
 * not go on running a call its caller was told failed. The same when Redis is full (`507 store_full`). Before the fix, the node reported any non-API error of a
 * dispatch as `agent_offline` and left the call running; a fresh-clone CI run met it in chaos.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestAgent } from "../helpers/fixtures.ts";
import { agentAcrossNodes, InProcessCluster, refusingRedis } from "../helpers/in-process-cluster.ts";
import type { inProcessApi } from "../helpers/in-process-gateway.ts";
import { startRedis } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";

const redis = await startRedis();
const PREFIX = `ack-outage-${process.pid}:`;

// Skipped only without redis-server: startRedis printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!redis)("the agent's node loses Redis between taking a call and accepting it", () => {
  let cluster: InProcessCluster | undefined;
  let agent: TestAgent | undefined;
  let acks: ReturnType<typeof refusingRedis>;
  let viaB: ReturnType<typeof inProcessApi>;
  const started: string[] = [];
  const aborted: string[] = [];

  beforeAll(async () => {
    cluster = new InProcessCluster(redis!.url, PREFIX);
    ({ agent, viaB } = await agentAcrossNodes(cluster, {
      user: "ack-outage-user",
      agentName: "patient",
      // Node A's acknowledgements (`EVAL script 1 <prefix>cluster:ack:<request> …`, agent-side.ts #writeAck).
      commandsA: (client) => {
        acks = refusingRedis(client, "cluster:ack:");
        return acks.caller;
      },
      // Never answers: a call it was given stays running until the gateway cancels it.
      handler: (request, reply) => {
        started.push(request.id);
        reply.signal.addEventListener("abort", () => aborted.push(request.id));
      },
    }));
  });

  afterAll(async () => {
    await agent?.stop();
    await cluster?.dispose();
    await redis?.stop();
  });

  it.each([
    ["the acceptance fails once", 1, "store_unavailable", 503, /cannot reach its store/],
    ["the refusal fails too, and gets through when retried", 2, "store_unavailable", 503, /cannot reach/],
    ["Redis is full for both, then has room", 2, "store_full", 507, /Redis reached its maxmemory/],
  ] as const)("%s: the caller gets the store's refusal and the agent's call is canceled", async (_, failures, code, status, advice) => {
    const before = started.length;
    acks.refuseNext(failures, code);
    const res = await viaB.post("/v1/agents/patient/messages", { message: "are you there?" });
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(advice);
    // The agent had the call: it must be told to stop, not left running for a caller who was told it failed.
    const id = await waitFor(() => started[before], { what: "the call reaching the agent" });
    await waitFor(() => aborted.includes(id), { what: `the agent told to cancel ${id}` });
  });

  it("with Redis whole again, calls through node B reach the agent on node A", async () => {
    const before = started.length;
    const res = await viaB.post("/v1/agents/patient/messages", { message: "ping", async: true });
    expect(res.status).toBe(202);
    await waitFor(() => started.length > before, { what: "the task reaching the agent" });
  });
});
