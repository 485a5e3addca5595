/**
 * An agent's task backlog (read each time it connects) costs what the agent has left to run, not everything it ran:
 * on redis and upstash it is a sorted set (no keyspace SCAN after a one-time migration per deployment), on memory and
 * fs a set in the process's memory, on stores like cloudflare's (listing by prefix, no sorted sets) a key per
 * unfinished task. Each reads an agent's tasks from before the index once, then only its unfinished ones.
 */
import { describe, expect, it } from "vitest";
import { skipIndexPassesOnNewStore } from "../../gateway/src/domain/index-passes.ts";
import { createTaskService, type TaskRecord } from "../../gateway/src/domain/tasks.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import type { SessionStoreUnderTest } from "../contracts/session-store.ts";
import { countingTaskReads, taskFields as fields } from "../helpers/backlog-tests.ts";
import { countingScans, fsSessionHarness, storesForIndexes } from "../helpers/store-harness.ts";

type Kind = "sorted sets" | "memory" | "index keys";

function backlogSuite(name: string, open: () => Promise<SessionStoreUnderTest>, kind: Kind) {
  describe(`task backlog on ${name}`, () => {
    it("lists each agent's unfinished tasks oldest first; ended ones leave, continued ones come back", async () => {
      const subject = await open();
      try {
        const { store, scans: calls } = countingScans(subject.store);
        const tasks = createTaskService(store, { ttlSeconds: 60 });
        const a = "ag_00000000000000a1";
        const b = "ag_00000000000000b2";
        const first = await tasks.create(fields(a, "one"));
        const second = await tasks.create(fields(a, "two"));
        const third = await tasks.create(fields(a, "three"));
        await tasks.create(fields(b, "other agent"));
        await tasks.update(second.id, (t) => ({ ...t, status: "input-required", result: "which?" }));
        await tasks.update(third.id, (t) => ({ ...t, status: "working" }));
        expect((await tasks.unfinished(a)).map((t) => t.message)).toEqual(["one", "three"]);
        await tasks.update(second.id, (t) => tasks.nextTurn(t, "this one"));
        expect((await tasks.unfinished(a)).map((t) => t.id)).toEqual([first.id, second.id, third.id]);
        await tasks.update(first.id, (t) => ({ ...t, status: "completed" }));
        expect((await tasks.unfinished(a)).map((t) => t.id)).toEqual([second.id, third.id]);
        expect((await tasks.unfinished(b)).map((t) => t.message)).toEqual(["other agent"]);
        if (kind === "sorted sets") {
          // One scan ever (the migration of tasks queued before the index), none per listing.
          expect(calls).toEqual(["task:"]);
          const again = countingScans(await subject.reopen!());
          const otherProcess = createTaskService(again.store, { ttlSeconds: 60 });
          expect((await otherProcess.unfinished(a)).map((t) => t.id)).toEqual([second.id, third.id]);
          expect(again.scans).toEqual([]);
        } else {
          // Only the agent's own keys: its tasks once (the first look), its index keys each time.
          expect(calls.every((prefix) => /^(task|task-pending):ag_0+[ab][12]:$/.test(prefix))).toBe(true);
        }
      } finally {
        await subject.cleanup();
      }
    });

    it("reads only the unfinished tasks of an agent that finished many, after one first look", async () => {
      const subject = await open();
      try {
        const agentId = "ag_00000000000000d4";
        const writer = createTaskService(subject.store, { ttlSeconds: 60 });
        // It connected before it ran them (where the first look is kept in the store, it is done then).
        expect(await writer.unfinished(agentId)).toEqual([]);
        const finished: string[] = [];
        for (let i = 0; i < 60; i++) {
          const task = await writer.create(fields(agentId, `done ${i}`));
          await writer.update(task.id, (t) => ({ ...t, status: "completed", result: "r".repeat(1000) }));
          finished.push(task.id);
        }
        const left = await writer.create(fields(agentId, "still to run"));

        // Another process (its own memory) over the same store, connecting the agent twice.
        const { store, reads } = countingTaskReads(subject.store);
        const reader = createTaskService(store, { ttlSeconds: 60 });
        expect((await reader.unfinished(agentId)).map((t) => t.id)).toEqual([left.id]);
        // The first listing in a process reads the agent's older tasks once where the index lives in memory.
        expect(reads.length).toBe(kind === "memory" ? 61 + 1 : 1);
        reads.length = 0;
        expect((await reader.unfinished(agentId)).map((t) => t.id)).toEqual([left.id]);
        expect(reads).toEqual([`task:${agentId}:${left.id.split(".")[1]}`]);
        expect(finished).toHaveLength(60);
      } finally {
        await subject.cleanup();
      }
    });

    it("finds the unfinished tasks an older version queued, once per agent", async () => {
      const subject = await open();
      try {
        const agentId = "ag_00000000000000c3";
        const old: TaskRecord = {
          ...fields(agentId, "queued by an older version"),
          id: `${agentId}.0000000000000000000000old1`,
          status: "submitted",
          attempts: 0,
          created_at: "2026-01-01T00:00:00.000Z",
          updated_at: "2026-01-01T00:00:00.000Z",
        };
        await subject.store.set(`task:${agentId}:0000000000000000000000old1`, old);
        await subject.store.set(`task:${agentId}:0000000000000000000000old0`, {
          ...old,
          id: `${agentId}.0000000000000000000000old0`,
          status: "completed",
        });
        const tasks = createTaskService(subject.store, { ttlSeconds: 60 });
        const fresh = await tasks.create(fields(agentId, "new"));
        expect((await tasks.unfinished(agentId)).map((t) => t.id)).toEqual([old.id, fresh.id]);
        const { store, reads } = countingTaskReads(subject.store);
        const otherProcess = createTaskService(store, { ttlSeconds: 60 });
        expect((await otherProcess.unfinished(agentId)).map((t) => t.id)).toEqual([old.id, fresh.id]);
        // Index keys remember the first look in the store; memory looks again in each process.
        expect(reads.length).toBe(kind === "memory" ? 3 + 2 : 2);
      } finally {
        await subject.cleanup();
      }
    });

    if (kind === "sorted sets") return; // the rest is about an agent's first look, which sorted sets do not take
    it("keeps a task queued while the agent's first look runs", async () => {
      const subject = await open();
      try {
        const agentId = "ag_00000000000000f6";
        const early = await createTaskService(subject.store, { ttlSeconds: 60 }).create(
          fields(agentId, "early"),
        );
        // The first look lists the agent's tasks, and its answer is held back until a new task is queued.
        let release = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        const store: SessionStore = {
          ...subject.store,
          keys: async (prefix) => {
            const keys = await subject.store.keys(prefix);
            if (prefix === `task:${agentId}:`) await held;
            return keys;
          },
        };
        const tasks = createTaskService(store, { ttlSeconds: 60 });
        const listing = tasks.unfinished(agentId);
        await new Promise((resolve) => setTimeout(resolve, 10));
        const late = await tasks.create(fields(agentId, "late"));
        release();
        expect((await listing).map((t) => t.id)).toEqual([early.id, late.id]);
        expect((await tasks.unfinished(agentId)).map((t) => t.id)).toEqual([early.id, late.id]);
      } finally {
        await subject.cleanup();
      }
    });

    if (kind !== "index keys") return;
    it("needs no first look on a store this version started", async () => {
      const subject = await open();
      try {
        await skipIndexPassesOnNewStore(subject.store);
        const agentId = "ag_00000000000000e5";
        const writer = createTaskService(subject.store, { ttlSeconds: 60 });
        for (let i = 0; i < 5; i++) {
          const task = await writer.create(fields(agentId, `done ${i}`));
          await writer.update(task.id, (t) => ({ ...t, status: "canceled" }));
        }
        const left = await writer.create(fields(agentId, "still to run"));
        const { store, reads } = countingTaskReads(subject.store);
        const scans = countingScans(store);
        const reader = createTaskService(scans.store, { ttlSeconds: 60 });
        expect((await reader.unfinished(agentId)).map((t) => t.id)).toEqual([left.id]);
        expect(reads).toHaveLength(1);
        expect(scans.scans).toEqual([`task-pending:${agentId}:`]);
      } finally {
        await subject.cleanup();
      }
    });
  });
}

const memoryHarness = (local: boolean) => async (): Promise<SessionStoreUnderTest> => {
  const memory = memorySessionStore({});
  // Without `local`, the memory store is kept as a store shared by processes is (cloudflare's): index keys.
  const store: SessionStore = local ? memory : { ...memory, local: false };
  return { store, cleanup: () => memory.dispose() };
};

backlogSuite("memory", memoryHarness(true), "memory");
backlogSuite("fs", fsSessionHarness, "memory");
backlogSuite(
  "memory kept as a shared store (index keys, as on cloudflare)",
  memoryHarness(false),
  "index keys",
);
for (const { name, open, indexed } of await storesForIndexes()) {
  if (indexed) backlogSuite(name, open, "sorted sets");
}
