import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type FileHandleLike,
  fsSessionStore,
  type JournalFileSystem,
} from "../../gateway/src/session-stores/fs.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { journalChanges } from "../helpers/journal-changes.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The real `node:fs/promises`, but writes to a compaction's temp file wait at a gate until `release()`. */
function gatedFs() {
  let release!: () => void;
  let released = false;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started!: () => void;
  const compactionStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const gated: JournalFileSystem = {
    ...fs,
    async open(path: string, flags: string): Promise<FileHandleLike> {
      const handle = await fs.open(path, flags);
      if (!path.endsWith(".tmp")) return handle;
      started();
      return {
        async write(data, offset, length, position) {
          await gate;
          return handle.write(data, offset, length, position);
        },
        truncate: (length) => handle.truncate(length),
        datasync: () => handle.datasync(),
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    },
  };
  return {
    fs: gated,
    compactionStarted,
    get released() {
      return released;
    },
    release() {
      released = true;
      release();
    },
  };
}

/** The store's state as a plain object, read through its public API. */
async function contents(store: SessionStore): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const key of await store.keys("")) result[key] = await store.get(key);
  return result;
}

describe("fs session store compaction", () => {
  let dir: string;
  let journal: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-compaction-"));
    journal = join(dir, "journal.ndjson");
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("compacts with the first write a journal that was mostly stale when opened, without waiting for it to double", async () => {
    // What a gateway leaves after many restarts: each rewrote every agent's record, and none ran long enough for
    // its journal to double since it opened. Counting from the file's size, the next one would not compact either.
    const writer = fsSessionStore({ dir, fs, compactionMinBytes: 1e9 });
    for (let i = 0; i < 200; i++) await writer.set(`agent:${i % 10}`, { seen: i, pad: "x".repeat(100) });
    await writer.dispose();
    expect((await journalChanges(journal)).length).toBe(200);

    const store = fsSessionStore({ dir, fs, compactionMinBytes: 2_000 });
    await store.set("agent:0", { seen: 200 });
    await store.dispose();
    const lines = await journalChanges(journal);
    expect(lines.length, "the ten live keys (and at most the write that set it off)").toBeLessThanOrEqual(11);
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.get("agent:0")).toEqual({ seen: 200 });
    expect(await reopened.get("agent:9")).toEqual({ seen: 199, pad: "x".repeat(100) });
    await reopened.dispose();
  });

  it("rewrites the journal to the live keys once it outgrows them, dropping deleted and expired ones", async () => {
    const store = fsSessionStore({ dir, fs, compactionMinBytes: 20_000 });
    const expected: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) await store.set(`expiring:${i}`, i, { ttl: 0.2 });
    await sleep(300);
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 20; i++) {
        const value = { round, i, pad: "x".repeat(50) };
        await store.set(`task:${i}`, value);
        expected[`task:${i}`] = value;
      }
      await store.set(`deleted:${round}`, round);
      await store.delete(`deleted:${round}`);
    }
    await store.increment("seq", 7);
    expected.seq = 7;
    await store.set("ttl:kept", "yes", { ttl: 60 });
    expected["ttl:kept"] = "yes";
    await store.dispose();

    const lines = await journalChanges(journal);
    // Without compaction the journal would hold 50 + 40 × 22 + 2 = 932 change lines.
    expect(lines.length).toBeLessThan(200);
    const text = lines.join("\n");
    expect(text).not.toContain("deleted:0");
    expect(text).not.toContain("expiring:");

    const reopened = fsSessionStore({ dir, fs });
    expect(await contents(reopened)).toEqual(expected);
    await reopened.dispose();
  });

  it("loses no write made while a compaction is writing its snapshot", async () => {
    const gated = gatedFs();
    const store = fsSessionStore({ dir, fs: gated.fs, compactionMinBytes: 5_000 });
    const expected: Record<string, unknown> = {};
    // Overwrite one key until the journal is big enough to compact; the snapshot then waits at the gate.
    let round = 0;
    let started = false;
    void gated.compactionStarted.then(() => {
      started = true;
    });
    while (!started) {
      // Stop as soon as the compaction has started writing its snapshot.
      await Promise.race([store.set("hot", { round, pad: "y".repeat(100) }), gated.compactionStarted]);
      expected.hot = { round, pad: "y".repeat(100) };
      round++;
      if (round > 500) throw new Error("compaction never started");
    }

    // 32 concurrent writers mutate while the snapshot is held back; their writes go to the old journal meanwhile.
    const acknowledged: Promise<void>[] = [];
    const writers = Array.from({ length: 32 }, async (_, w) => {
      for (let i = 0; i < 20; i++) {
        const write = store.set(`w:${w}:${i}`, { w, i });
        acknowledged.push(write);
        await Promise.race([write, sleep(2)]);
        expected[`w:${w}:${i}`] = { w, i };
      }
      await store.delete(`w:${w}:0`);
      delete expected[`w:${w}:0`];
    });
    const adds = Array.from({ length: 50 }, (_, i) => store.add("race:add", i));
    const increments = Array.from({ length: 50 }, () => store.increment("race:seq"));
    await sleep(50);
    expect(await store.get("w:0:5")).toEqual({ w: 0, i: 5 }); // visible in memory at once
    // Acknowledged while the snapshot is still held: a compaction does not stall writers.
    await Promise.all(writers);
    await Promise.all(acknowledged);
    expect(gated.released).toBe(false);
    gated.release();
    await Promise.all(acknowledged);
    const added = await Promise.all(adds);
    expect(added.filter(Boolean)).toHaveLength(1);
    expected["race:add"] = added.indexOf(true);
    const counted = await Promise.all(increments);
    expect([...counted].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expected["race:seq"] = 50;
    expect(await contents(store)).toEqual(expected);
    await store.dispose();

    const reopened = fsSessionStore({ dir, fs });
    expect(await contents(reopened)).toEqual(expected);
    await reopened.dispose();
  });

  it("keeps add, take and increment exactly-once while compactions run", async () => {
    const store = fsSessionStore({ dir, fs, compactionMinBytes: 2_000 });
    for (let i = 0; i < 50; i++) await store.set(`ticket:${i}`, { i, pad: "z".repeat(40) });
    const takes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        Promise.all([store.take(`ticket:${i}`), store.take(`ticket:${i}`)]),
      ),
    );
    for (const [i, pair] of takes.entries()) {
      expect(pair.filter((value) => value !== null)).toEqual([{ i, pad: "z".repeat(40) }]);
    }
    const adds = await Promise.all(Array.from({ length: 50 }, (_, i) => store.add(`slot:${i % 5}`, i)));
    expect(adds.filter(Boolean)).toHaveLength(5);
    const counts = await Promise.all(Array.from({ length: 50 }, () => store.increment("seq")));
    expect(new Set(counts).size).toBe(50);
    await store.dispose();
    // 155 mutations were journaled; compaction must have folded them. (Lines written while a snapshot was being
    // written follow it in the new file, so the count depends on timing; it stays well below the mutations.)
    const changes = await journalChanges(journal);
    expect(changes.length).toBeLessThan(140);

    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.keys("ticket:")).toEqual([]);
    expect(await reopened.keys("slot:")).toHaveLength(5);
    expect(await reopened.get("seq")).toBe(50);
    await reopened.dispose();
  });
});
