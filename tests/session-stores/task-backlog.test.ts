/**
 * An agent's task backlog on redis and upstash comes from its sorted-set index, not from a keyspace SCAN: after a
 * one-time migration per deployment, listing a backlog calls `keys()` zero times, whatever else the store holds.
 */
import { describe, expect, it } from "vitest";
import { createTaskService, type TaskRecord } from "../../gateway/src/domain/tasks.ts";
import type { SessionStoreUnderTest } from "../contracts/session-store.ts";
import { countingScans, storesForIndexes } from "../helpers/store-harness.ts";

const fields = (agentId: string, message: string) => ({
  agent_id: agentId,
  agent_name: "a",
  owner: "alice",
  session_id: "s",
  client_id: "c",
  message,
});

function backlogSuite(name: string, open: () => Promise<SessionStoreUnderTest>, indexed: boolean) {
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
        if (indexed) {
          // One scan ever (the migration of tasks queued before the index), none per listing.
          expect(calls).toEqual(["task:"]);
          const again = countingScans(await subject.reopen!());
          const otherProcess = createTaskService(again.store, { ttlSeconds: 60 });
          expect((await otherProcess.unfinished(a)).map((t) => t.id)).toEqual([second.id, third.id]);
          expect(again.scans).toEqual([]);
        } else {
          expect(calls.every((prefix) => prefix.startsWith("task:ag_"))).toBe(true);
        }
      } finally {
        await subject.cleanup();
      }
    });

    // Stores without sorted sets list tasks by prefix, so there is nothing to migrate.
    if (!indexed) return;
    it("indexes tasks queued before the index existed, once", async () => {
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
        const tasks = createTaskService(subject.store, { ttlSeconds: 60 });
        const fresh = await tasks.create(fields(agentId, "new"));
        expect((await tasks.unfinished(agentId)).map((t) => t.id)).toEqual([old.id, fresh.id]);
      } finally {
        await subject.cleanup();
      }
    });
  });
}

for (const { name, open, indexed } of await storesForIndexes()) backlogSuite(name, open, indexed);
