/**
 * Two cluster nodes (Bun and Deno) write the same task at the same moment: the agent's node saves the outcome the
 * agent just sent while the caller cancels through the other node. Whichever lands first wins for good, and the
 * caller is told the truth: a cancel answered 200 leaves the task canceled (not completed a moment later), a cancel
 * answered 409 `task_finished` means it completed. Each task's release and cancel are spread by a few random
 * milliseconds, one or the other first, so across the rounds both orders happen.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { startNodes } from "../helpers/cluster.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import type { GatewayProcess } from "../helpers/gateway-process.ts";
import { type RedisServer, startRedis } from "../helpers/redis-server.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const redis = await startRedis();
const ROUNDS = 8;
const TASKS_PER_ROUND = 16;

describe.skipIf(!redis)("task state across two cluster nodes: no lost update", () => {
  let nodeA: GatewayProcess;
  let nodeB: GatewayProcess;
  let adminToken: string;
  beforeAll(async () => {
    const started = await startNodes((redis as RedisServer).url, ["bun", "deno"]);
    [nodeA, nodeB] = started.nodes as [GatewayProcess, GatewayProcess];
    adminToken = started.adminToken;
  });
  afterAll(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis?.stop();
  });

  it("a cancel on node B racing the outcome saved on node A: the answer the caller got is the state that stays", async () => {
    const user = await createUser(nodeA.url, adminToken, "race-user");
    const agent = await createAgent(user.api);
    const held = new Map<string, () => void>();
    const connected = await connectAgent(
      nodeA.url,
      user.token,
      agent.name,
      async (request, reply) => {
        await new Promise<void>((resolve) => held.set(request.id, resolve));
        reply.done(`ok:${request.message}`);
      },
      { maxInflight: TASKS_PER_ROUND },
    );
    const viaB = apiClient(nodeB.url, user.token);
    await waitFor(async () => (await viaB.get(`/v1/agents/${agent.name}`)).body.online, { what: "online" });
    const verdicts: Array<{ id: string; cancel: number; code?: string }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ids = await Promise.all(
        Array.from({ length: TASKS_PER_ROUND }, async (_, i) => {
          const res = await viaB.post(`/v1/agents/${agent.name}/messages`, {
            message: `r${round}t${i}`,
            async: true,
          });
          expect(res.status, JSON.stringify(res.body)).toBe(202);
          return res.body.task_id as string;
        }),
      );
      await waitFor(() => ids.every((id) => held.has(id)), { what: "every task running on the agent" });
      await Promise.all(
        ids.map(async (id, i) => {
          // Half the cancels leave first and half the outcomes, each a few random milliseconds ahead, so both
          // orders happen whatever the machine's speed.
          if (i % 2) {
            held.get(id)!();
            await sleep(Math.random() * 4);
          }
          const cancel = viaB.call("DELETE", `/v1/tasks/${id}`);
          if (i % 2 === 0) {
            await sleep(Math.random() * 6);
            held.get(id)!();
          }
          const res = await cancel;
          verdicts.push({
            id,
            cancel: res.status,
            code: res.status === 200 ? undefined : res.body?.error?.code,
          });
        }),
      );
    }
    const ids = verdicts.map((verdict) => verdict.id);
    await waitFor(
      async () => {
        for (const id of ids) {
          const status = (await viaB.get(`/v1/tasks/${id}`)).body.status;
          if (status !== "canceled" && status !== "completed") return false;
        }
        return true;
      },
      { timeoutMs: 10_000, what: "every task ended" },
    );
    await sleep(500); // a late write, if any, lands by now
    const broken: unknown[] = [];
    for (const verdict of verdicts) {
      const status = (await viaB.get(`/v1/tasks/${verdict.id}`)).body.status;
      const told = verdict.cancel === 200 ? "canceled" : verdict.code === "task_finished" ? "completed" : "?";
      if (status !== told) broken.push({ ...verdict, status });
    }
    const canceled = verdicts.filter((verdict) => verdict.cancel === 200).length;
    console.log(`task races: ${canceled} canceled, ${verdicts.length - canceled} completed first`);
    expect(broken, "tasks whose stored state contradicts the cancel's answer").toEqual([]);
    // Both orders must have happened, or the test did not race anything.
    expect(canceled).toBeGreaterThan(0);
    expect(canceled).toBeLessThan(verdicts.length);
    connected.stop();
  });
});
