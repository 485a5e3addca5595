/**
 * The fs store's relaxed journal lines (`increment(…, { durable: false })`, the rate-limit and download counts):
 * answered before they reach the disk, carried by the next batch or flushed within a second, in order, and only a
 * key's latest line written when several wait together or share a batch.
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RELAXED_FLUSH_MS } from "../../gateway/src/session-stores/_journal-relaxed.ts";
import { fsSessionStore } from "../../gateway/src/session-stores/fs.ts";
import { journalChangesIn } from "../helpers/journal-changes.ts";
import { countingFs, heldFs } from "../helpers/journal-fs.ts";
import { waitFor } from "../helpers/wait.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("fs session store: relaxed journal lines", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-relaxed-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("answers a non-durable increment without waiting for its sync, and syncs it with the next batch", async () => {
    // Journal syncs wait while held (the later ones, of the flush, pass at once).
    const held = heldFs("datasync");
    const store = fsSessionStore({ dir, fs: held.fs });
    await store.keys(""); // opening syncs too (a commit line), before the gate closes
    held.gate.calls = 0;
    held.hold();
    const durable = store.increment("durable");
    let durableDone = false;
    void durable.then(() => {
      durableDone = true;
    });
    expect(await store.increment("rate:t:1", 1, { durable: false })).toBe(1);
    expect(await store.increment("rate:t:1", 1, { durable: false })).toBe(2);
    // The durable count's sync reaches the gate (on a busy machine not always within a fixed sleep), and stays the
    // only one: the relaxed counts asked for none.
    await waitFor(() => held.gate.calls >= 1, { what: "the durable count's sync" });
    await sleep(20);
    expect(held.gate.calls).toBe(1);
    expect(durableDone).toBe(false); // the default still waits for the disk
    held.release();
    expect(await durable).toBe(1);
    await store.dispose();
    // Both counts waited for the same flush: only the latest is written.
    expect((await journalChangesIn(dir)).filter((line) => line.includes("rate:t:1"))).toEqual([
      '{"k":"rate:t:1","v":2}',
    ]);
  });

  it("writes relaxed counts (rate limits) without a write or sync of their own, ahead of the next write", async () => {
    const counting = countingFs();
    const store = fsSessionStore({ dir, fs: counting.fs });
    await store.keys("");
    const syncsBefore = store.syncCount();
    const writesBefore = counting.counts.writes;
    for (let i = 1; i <= 200; i++) expect(await store.increment("rate:t:1", 1, { durable: false })).toBe(i);
    await sleep(50);
    expect(counting.counts.writes).toBe(writesBefore);
    expect(store.syncCount()).toBe(syncsBefore);
    expect(await store.get("rate:t:1")).toBe(200);

    await store.set("task:a:1", "queued");
    expect(counting.counts.writes).toBe(writesBefore + 1); // one batch: the count, then the task
    expect(store.syncCount()).toBe(syncsBefore + 1);
    const lines = await journalChangesIn(dir);
    // 200 counts waited: the latest is the one line written (replay keeps a key's last value anyway).
    expect(lines.filter((line) => line.includes("rate:t:1"))).toEqual(['{"k":"rate:t:1","v":200}']);
    expect(lines.at(-1)).toContain("task:a:1");
    await store.dispose();
  });

  it("writes relaxed counts within a second when nothing else is written, and keeps their order", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.increment("rate:t:2", 1, { durable: false });
    await store.increment("rate:t:2", 1, { durable: false });
    await store.set("rate:t:2", 10); // a durable write of the same key after them wins on replay
    await store.increment("rate:t:2", 1, { durable: false });
    await sleep(1300);
    // The first two as one line (the latest, 2) ahead of the set, then 11 on its own within the second.
    expect((await journalChangesIn(dir)).filter((line) => line.includes("rate:t:2"))).toEqual([
      '{"k":"rate:t:2","v":2}',
      '{"k":"rate:t:2","v":10}',
      '{"k":"rate:t:2","v":11}',
    ]);
    await store.increment("rate:t:2", 1, { durable: false });
    await store.dispose(); // writes what is still held
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.get("rate:t:2")).toBe(12);
    await reopened.dispose();
  });

  it("writes one relaxed line per key of the counts that share a batch with other writes", async () => {
    const held = heldFs("write");
    const store = fsSessionStore({ dir, fs: held.fs });
    await store.keys("");
    // The first task's batch is held at its write, so the next 20 tasks (a count of two tokens each, then the
    // record, as the gateway does) wait in the following batch together: group commit.
    held.hold();
    const first = store.set("task:a:first", "queued");
    await sleep(20);
    const tasks: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      void store.increment("rate:t:4", 1, { durable: false });
      void store.increment("rate:u:4", 2, { durable: false });
      tasks.push(store.set(`task:a:${i}`, "queued"));
    }
    held.release();
    await Promise.all([first, ...tasks]);
    await store.dispose();
    const lines = await journalChangesIn(dir);
    expect(lines.filter((line) => line.includes("task:a:"))).toHaveLength(21);
    // The batch's last count of each token, after the 19th task's record (where the 20th count was taken).
    expect(lines.filter((line) => line.includes("rate:"))).toEqual([
      '{"k":"rate:t:4","v":20}',
      '{"k":"rate:u:4","v":40}',
    ]);
    expect(lines.indexOf('{"k":"rate:t:4","v":20}')).toBe(
      lines.findIndex((line) => line.includes("task:a:19")) + 1,
    );
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.get("rate:t:4")).toBe(20);
    expect(await reopened.get("rate:u:4")).toBe(40);
    expect(await reopened.keys("task:a:")).toHaveLength(21);
    await reopened.dispose();
  });

  it("arms one flush timer for relaxed counts however many writes take them early", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.keys("");
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      // As the gateway does per durable task: a rate-limit count, then the task's own write.
      for (let i = 0; i < 100; i++) {
        await store.increment("rate:t:3", 1, { durable: false });
        await store.set(`task:a:${i}`, "queued");
      }
      expect(timers.mock.calls.filter(([, ms]) => ms === RELAXED_FLUSH_MS)).toHaveLength(1);
    } finally {
      timers.mockRestore();
    }
    expect((await journalChangesIn(dir)).filter((line) => line.includes("rate:t:3"))).toHaveLength(100);
    await store.dispose();
  });
});
