/**
 * A call across nodes waits for the agent's node to accept it. That node's wake-up carries the acceptance (or the
 * refusal), so the caller's node reads the acknowledgement's key at most once per call, and only when the wake-up
 * had not come yet: before, it read the key again on every wake-up, one more Redis round trip on every call's way.
 * A wake-up in the older form ("ack", from a node not yet upgraded) still works: the key is read then.
 *
 * Two in-process gateway nodes on one redis-server: the agent's socket is on node A (a real server), calls come in
 * through node B, whose Redis commands are counted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestAgent } from "../helpers/fixtures.ts";
import { agentAcrossNodes, InProcessCluster } from "../helpers/in-process-cluster.ts";
import type { inProcessApi } from "../helpers/in-process-gateway.ts";
import { startRedis } from "../helpers/redis-server.ts";

const redis = await startRedis();
const PREFIX = `ack-wake-${process.pid}:`;
const CALLS = 30;

// Skipped only without redis-server: startRedis printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!redis)("a call across nodes and the acknowledgement's wake-up", () => {
  let cluster: InProcessCluster | undefined;
  let agent: TestAgent | undefined;
  let viaB: ReturnType<typeof inProcessApi>;
  /** Node B's reads of an acknowledgement's key. */
  let ackReads = 0;
  /** Node A publishes its wake-ups as a node before this change did. */
  let olderAgentNode = false;

  beforeAll(async () => {
    cluster = new InProcessCluster(redis!.url, PREFIX);
    ({ agent, viaB } = await agentAcrossNodes(cluster, {
      user: "ack-wake-user",
      agentName: "echo",
      commandsA: (client) => ({
        call(command, ...args) {
          // `EVAL script 1 <ack key> <ack> <ttl> <channel> <wake-up>` (agent-side.ts, #writeAck): the older form.
          const isAck = command === "EVAL" && String(args[2]).includes("cluster:ack:");
          if (olderAgentNode && isAck) return client.call(command, ...args.slice(0, -1), "ack");
          return client.call(command, ...args);
        },
      }),
      commandsB: (client) => ({
        call(command, ...args) {
          if (command === "GET" && String(args[0]).includes("cluster:ack:")) ackReads++;
          return client.call(command, ...args);
        },
      }),
      handler: (request, reply) => {
        reply.chunk(request.message);
        reply.done(request.message);
      },
    }));
  });

  afterAll(async () => {
    await agent?.stop();
    await cluster?.dispose();
    await redis?.stop();
  });

  /** `CALLS` calls one after another through node B; returns node B's reads of their acknowledgements. */
  async function callsThroughB(): Promise<number> {
    ackReads = 0;
    for (let i = 0; i < CALLS; i++) {
      const res = await viaB.post("/v1/agents/echo/messages", { message: `call ${i}` });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.result).toBe(`call ${i}`);
    }
    return ackReads;
  }

  it("reads each call's acknowledgement at most once: its wake-up carries it", async () => {
    expect(await callsThroughB()).toBeLessThanOrEqual(CALLS);
  });

  it("still answers when the agent's node sends the older wake-up, reading the key after it", async () => {
    olderAgentNode = true;
    try {
      // The older wake-up says only "look": every call's acknowledgement is known from its key alone.
      expect(await callsThroughB()).toBeGreaterThanOrEqual(CALLS);
    } finally {
      olderAgentNode = false;
    }
  });
});
