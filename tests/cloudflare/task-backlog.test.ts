/**
 * On Workers, an agent's backlog (read at each connect) is its `task-pending:` keys in the store object: a connect
 * reads the agent's unfinished tasks, not the week of finished ones (with their results) it keeps.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { skipIndexPassesOnNewStore } from "../../gateway/src/domain/index-passes.ts";
import { createTaskService } from "../../gateway/src/domain/tasks.ts";
import { cloudflareSessionStore } from "../../gateway/src/session-stores/cloudflare.ts";
import { countingTaskReads, taskFields as fields } from "../helpers/backlog-tests.ts";

describe("task backlog on the cloudflare store", () => {
  it("a connect reads the agent's unfinished tasks only", async () => {
    const store = cloudflareSessionStore({ namespace: env.STORE, name: crypto.randomUUID() });
    await skipIndexPassesOnNewStore(store);
    const agentId = "ag_0000000000000cf1";
    const writer = createTaskService(store, { ttlSeconds: 60 });
    for (let i = 0; i < 40; i++) {
      const task = await writer.create(fields(agentId, `done ${i}`));
      await writer.update(task.id, (t) => ({ ...t, status: "completed", result: "r".repeat(10_000) }));
    }
    const first = await writer.create(fields(agentId, "first"));
    const second = await writer.create(fields(agentId, "second"));
    expect(await store.keys(`task-pending:${agentId}:`)).toHaveLength(2);

    // The agent's Durable Object, started again.
    const { store: counted, reads } = countingTaskReads(store);
    const agentObject = createTaskService(counted, { ttlSeconds: 60 });
    expect((await agentObject.unfinished(agentId)).map((t) => t.id)).toEqual([first.id, second.id]);
    expect(reads).toHaveLength(2);
    await writer.update(first.id, (t) => ({ ...t, status: "failed" }));
    expect(await store.keys(`task-pending:${agentId}:`)).toHaveLength(1);
  });

  it("an agent of a store an older version wrote is looked at once", async () => {
    const store = cloudflareSessionStore({ namespace: env.STORE, name: crypto.randomUUID() });
    const agentId = "ag_0000000000000cf2";
    const older = createTaskService(store, { ttlSeconds: 60 });
    const queued = await older.create(fields(agentId, "queued before"));
    // As an older version left it: no index key.
    await store.delete(`task-pending:${agentId}:${queued.id.split(".")[1]}`);
    const { store: counted, reads } = countingTaskReads(store);
    expect(
      (await createTaskService(counted, { ttlSeconds: 60 }).unfinished(agentId)).map((t) => t.id),
    ).toEqual([queued.id]);
    expect(await store.keys(`task-pending:${agentId}:`)).toHaveLength(1);
    reads.length = 0;
    expect(
      (await createTaskService(counted, { ttlSeconds: 60 }).unfinished(agentId)).map((t) => t.id),
    ).toEqual([queued.id]);
    expect(reads).toHaveLength(1);
  });
});
