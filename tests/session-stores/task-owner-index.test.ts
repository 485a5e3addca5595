/**
 * A caller's task listing on redis and upstash comes from the user's sorted set, not a keyspace SCAN (the web page
 * lists every 2 s): after a one-time migration per deployment, a listing calls `keys()` zero times. Entries whose task
 * expired leave the set: those a listing reads, and the rest swept by the owner's new tasks, so a user who never
 * lists does not grow the set forever.
 */
import { describe, expect, it } from "vitest";
import { createTaskService } from "../../gateway/src/domain/tasks.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStoreUnderTest } from "../contracts/session-store.ts";
import { orderedIdMadeAgo } from "../helpers/ids.ts";
import { countingScans, storesForIndexes } from "../helpers/store-harness.ts";

const A = "ag_00000000000000a1";
const B = "ag_00000000000000b2";
const fields = (agentId: string, message: string, owner = "alice") => ({
  agent_id: agentId,
  agent_name: "a",
  owner,
  session_id: "s",
  client_id: "c",
  message,
});

function ownerIndexSuite(name: string, open: () => Promise<SessionStoreUnderTest>, indexed: boolean) {
  describe(`task listing on ${name}`, () => {
    it("lists a caller's tasks newest first, a page at a time, without a keyspace scan", async () => {
      const subject = await open();
      try {
        const { store, scans: calls } = countingScans(subject.store);
        const tasks = createTaskService(store, { ttlSeconds: 60 });
        await tasks.listOf("nobody", { limit: 1 }); // the one-time pass finds nothing
        calls.length = 0;
        const made = [];
        for (let n = 0; n < 150; n++) made.push(await tasks.create(fields(n % 3 === 0 ? B : A, `m${n}`)));
        await tasks.create(fields(A, "bob's", "bob"));
        const newestFirst = made.map((t) => t.id).reverse();
        const first = await tasks.listOf("alice", { limit: 70 });
        expect(first.tasks.map((t) => t.id)).toEqual(newestFirst.slice(0, 70));
        const second = await tasks.listOf("alice", { limit: 100, cursor: first.nextCursor! });
        expect(second.tasks.map((t) => t.id)).toEqual(newestFirst.slice(70));
        expect(second.nextCursor).toBeNull();
        const ofB = await tasks.listOf("alice", { limit: 100, agentId: B });
        expect(ofB.tasks.map((t) => t.id)).toEqual(newestFirst.filter((id) => id.startsWith(B)));
        expect((await tasks.listOf("bob", { limit: 5 })).tasks.map((t) => t.message)).toEqual(["bob's"]);
        expect(calls).toEqual(indexed ? [] : Array(3).fill("task-owner:alice:").concat(["task-owner:bob:"]));
      } finally {
        await subject.cleanup();
      }
    });

    it("indexes tasks listed by an older version on the first listing, once per deployment", async () => {
      const subject = await open();
      try {
        // What the version before the index wrote: the task and its owner key, no index entry.
        const old = await createTaskService(memorySessionStore({}), { ttlSeconds: 60 }).create(
          fields(A, "old"),
        );
        const ulid = old.id.split(".")[1]!;
        await subject.store.set(`task:${A}:${ulid}`, old);
        await subject.store.set(`task-owner:alice:${ulid}:${A}`, 1);
        const first = countingScans(subject.store);
        const listed = await createTaskService(first.store, { ttlSeconds: 60 }).listOf("alice", { limit: 5 });
        expect(listed.tasks.map((t) => t.message)).toEqual(["old"]);
        expect(first.scans).toEqual(indexed ? ["task-owner:"] : ["task-owner:alice:"]);
        const later = countingScans(subject.store);
        await createTaskService(later.store, { ttlSeconds: 60 }).listOf("alice", { limit: 5 });
        expect(later.scans).toEqual(indexed ? [] : ["task-owner:alice:"]);
      } finally {
        await subject.cleanup();
      }
    });

    if (indexed) {
      it("drops entries of expired tasks: those a listing reads, and the rest as new tasks sweep the set", async () => {
        const subject = await open();
        try {
          const sets = subject.store.sortedSets!;
          const tasks = createTaskService(subject.store, { ttlSeconds: 60 });
          await tasks.listOf("carol", { limit: 1 });
          // Entries whose task expired two minutes ago, and one whose task may still be on its way.
          const gone = Array.from({ length: 40 }, () => `${orderedIdMadeAgo(120_000)}:${A}`);
          const young = `${orderedIdMadeAgo(1000)}:${A}`;
          for (const entry of [...gone, young]) await sets.add("tasks-owned:carol", entry, 0);
          // New tasks sweep the set: every 8th checks the next 16 entries, so 48 new tasks go through it all.
          const made = [];
          for (let n = 0; n < 48; n++) made.push(await tasks.create(fields(A, `new ${n}`, "carol")));
          const left = await sets.range("tasks-owned:carol");
          expect(left.filter((entry) => gone.includes(entry))).toEqual([]);
          expect(left).toContain(young);
          expect(left).toHaveLength(1 + 48);
          // A listing drops what it reads: entries of tasks gone since.
          const later = Array.from({ length: 5 }, () => `${orderedIdMadeAgo(90_000)}:${B}`);
          for (const entry of later) await sets.add("tasks-owned:carol", entry, 0);
          const all = await tasks.listOf("carol", { limit: 100 });
          expect(all.tasks.map((t) => t.id)).toEqual(made.map((t) => t.id).reverse());
          expect(await sets.range("tasks-owned:carol")).toHaveLength(1 + 48);
        } finally {
          await subject.cleanup();
        }
      });
    }
  });
}

for (const { name, open, indexed } of await storesForIndexes()) ownerIndexSuite(name, open, indexed);
