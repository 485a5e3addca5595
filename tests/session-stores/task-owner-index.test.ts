/**
 * A caller's task listing, newest first, a page at a time, on each kind of store:
 *
 * - redis and upstash: the user's sorted set, not a keyspace SCAN (the web page lists every 2 s); after a one-time
 *   migration per deployment, a listing calls `keys()` zero times. Entries whose task expired leave the set: those a
 *   listing reads, and the rest swept by the owner's new tasks, so a user who never lists does not grow the set.
 * - stores that list a prefix themselves (Durable Objects; here memory without `local`): the owner keys.
 * - stores whose data lives in this process (memory, fs): an index in memory, no owner keys; the first listing in a
 *   process reads the tasks once, those of versions that wrote owner keys too.
 */
import { describe, expect, it } from "vitest";
import { createLocalOwnerIndex } from "../../gateway/src/domain/task-owner-local.ts";
import { createTaskService, type TaskRecord } from "../../gateway/src/domain/tasks.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStoreUnderTest } from "../contracts/session-store.ts";
import { orderedIdMadeAgo } from "../helpers/ids.ts";
import { countingScans, fsSessionHarness, storesForIndexes } from "../helpers/store-harness.ts";

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

/** Where a store's listing comes from: sorted sets, owner keys listed by prefix, or an index in memory. */
type Mode = "sets" | "owner keys" | "local";

function ownerIndexSuite(name: string, open: () => Promise<SessionStoreUnderTest>, mode: Mode) {
  describe(`task listing on ${name}`, () => {
    it("lists a caller's tasks newest first, a page at a time, without a keyspace scan", async () => {
      const subject = await open();
      try {
        const { store, scans: calls, ranges } = countingScans(subject.store);
        const tasks = createTaskService(store, { ttlSeconds: 60 });
        await tasks.listOf("nobody", { limit: 1 }); // the one-time pass finds nothing
        calls.length = 0;
        ranges.length = 0;
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
        expect(calls).toEqual([]);
        // Owner keys are read newest first, 64 and then twice as many each time: 2 reads for each of alice's three
        // listings (her 70 newest, the rest, those of agent B), 1 for bob's.
        expect(ranges).toEqual(
          mode === "owner keys" ? Array(6).fill("task-owner:alice:").concat(["task-owner:bob:"]) : [],
        );
        if (mode === "local") expect(await store.keys("task-owner:")).toEqual([]);
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
        // A new process (a new service) on a local store reads the tasks once, as the first reads the owner keys.
        const scansOfOne = { sets: ["task-owner:"], "owner keys": [], local: ["task:"] };
        expect(first.scans).toEqual(scansOfOne[mode]);
        const later = countingScans(subject.store);
        await createTaskService(later.store, { ttlSeconds: 60 }).listOf("alice", { limit: 5 });
        expect(later.scans).toEqual({ ...scansOfOne, sets: [] }[mode]);
      } finally {
        await subject.cleanup();
      }
    });

    if (mode === "sets") {
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

const nativePrefixes: Parameters<typeof ownerIndexSuite> = [
  "a store that lists prefixes itself (memory without local)",
  async () => {
    const store = memorySessionStore({});
    return { store: { ...store, local: false }, cleanup: () => store.dispose() };
  },
  "owner keys",
];
for (const { name, open, indexed } of await storesForIndexes())
  ownerIndexSuite(name, open, indexed ? "sets" : "local");
ownerIndexSuite(...nativePrefixes);
ownerIndexSuite("fs", fsSessionHarness, "local");

describe("task listing from an index in memory (memory, fs)", () => {
  it("writes no owner keys, lists after a restart, and deletes an older version's key when its task ends", async () => {
    const subject = await fsSessionHarness();
    try {
      const tasks = createTaskService(subject.store, { ttlSeconds: 60 });
      const made: TaskRecord[] = [];
      for (let n = 0; n < 5; n++) made.push(await tasks.create(fields(n % 2 ? A : B, `m${n}`)));
      await tasks.update(made[1]!.id, (t) => ({ ...t, status: "completed", result: "done" }));
      // What a version with owner keys wrote: a task and its key.
      const old = await createTaskService(memorySessionStore({}), { ttlSeconds: 60 }).create(
        fields(A, "old"),
      );
      const ulid = old.id.split(".")[1]!;
      await subject.store.set(`task:${A}:${ulid}`, old);
      await subject.store.set(`task-owner:alice:${ulid}:${A}`, 1);
      expect(await subject.store.keys("task-owner:")).toEqual([`task-owner:alice:${ulid}:${A}`]);

      const reopened = await subject.reopen!();
      const after = createTaskService(reopened, { ttlSeconds: 60 });
      const listed = await after.listOf("alice", { limit: 3 });
      const newestFirst = [...made.map((t) => t.id), old.id].reverse();
      expect(listed.tasks.map((t) => t.id)).toEqual(newestFirst.slice(0, 3));
      const rest = await after.listOf("alice", { limit: 10, cursor: listed.nextCursor! });
      expect(rest.tasks.map((t) => t.id)).toEqual(newestFirst.slice(3));
      expect(rest.tasks.find((t) => t.id === made[1]!.id)?.status).toBe("completed");

      // A task of this version and the older one, made and ended after the restart.
      const added = await after.create(fields(B, "after the restart"));
      expect((await after.listOf("alice", { limit: 1 })).tasks.map((t) => t.id)).toEqual([added.id]);
      await after.update(old.id, (t) => ({ ...t, status: "failed", error: { code: "x", message: "y" } }));
      await after.update(added.id, (t) => ({ ...t, status: "completed", result: "ok" }));
      expect(await reopened.keys("task-owner:")).toEqual([]);
      expect((await after.listOf("alice", { limit: 10 })).tasks).toHaveLength(7);
    } finally {
      await subject.cleanup();
    }
  });

  it("indexes tasks made while its first pass reads, once each", async () => {
    const store = memorySessionStore({});
    try {
      const before = createTaskService(store, { ttlSeconds: 60 });
      for (let n = 0; n < 600; n++) await before.create(fields(A, `before ${n}`));
      const tasks = createTaskService(store, { ttlSeconds: 60 });
      const listing = tasks.listOf("alice", { limit: 100 }); // starts the pass over 600 tasks, 256 at a time
      const during = await Promise.all(
        Array.from({ length: 20 }, (_, n) => tasks.create(fields(B, `during ${n}`))),
      );
      const first = await listing;
      expect(first.tasks.slice(0, 20).map((t) => t.id)).toEqual(during.map((t) => t.id).reverse());
      let all = first.tasks.map((t) => t.id);
      for (let page = first; page.nextCursor; ) {
        page = await tasks.listOf("alice", { limit: 100, cursor: page.nextCursor });
        all = all.concat(page.tasks.map((t) => t.id));
      }
      expect(all).toHaveLength(620);
      expect(new Set(all).size).toBe(620);
    } finally {
      await store.dispose();
    }
  });

  it("sweeps entries whose task is gone, older than the finished-task TTL, as new tasks come in", async () => {
    const store = memorySessionStore({});
    try {
      // Tasks older than the TTL (one minute), indexed by the first pass: 1,500 still there, made three minutes ago,
      // and 1,500 made two minutes ago that then expire.
      const kept = Array.from({ length: 1500 }, () => `${orderedIdMadeAgo(180_000)}:${A}`);
      const gone = Array.from({ length: 1500 }, () => `${orderedIdMadeAgo(120_000)}:${A}`);
      const keyOf = (entry: string) => `task:${entry.split(":")[1]}:${entry.split(":")[0]}`;
      for (const entry of [...kept, ...gone]) await store.set(keyOf(entry), { owner: "carol" });
      const index = createLocalOwnerIndex(store, { ttlSeconds: 60, sweepEveryMs: 0 });
      for await (const _ of index.entries("carol", undefined)) break;
      expect(index.size()).toBe(3000);
      for (const entry of gone) await store.delete(keyOf(entry));
      // A young entry without its task (it may be on its way) stays, as do new tasks' entries. Each new entry starts
      // a sweep here; a sweep checks at least 1,024 old entries, going on from where the last one stopped, so the
      // sweeps get past the old tasks still there (the first finds only those).
      const sizes: number[] = [];
      for (const entry of [
        `${orderedIdMadeAgo(1000)}:${B}`,
        ...Array.from({ length: 4 }, () => `${orderedIdMadeAgo(0)}:${A}`),
      ]) {
        index.add("carol", entry);
        await index.swept();
        sizes.push(index.size());
      }
      expect(sizes[0]).toBe(3000 + 1);
      for (let n = 1; n < sizes.length; n++) expect(sizes[n - 1]! + 1 - sizes[n]!).toBeLessThanOrEqual(1024);
      expect(sizes.at(-1)).toBe(1500 + 5);
      const left: string[] = [];
      for await (const entry of index.entries("carol", undefined)) left.push(entry);
      expect(left.filter((entry) => kept.includes(entry) || gone.includes(entry)).sort()).toEqual(
        kept.sort(),
      );
    } finally {
      await store.dispose();
    }
  });
});
