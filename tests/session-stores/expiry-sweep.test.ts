/**
 * The memory and fs stores sweep expired keys from a queue of expiry times (`_expiry-queue.ts`) instead of walking
 * every key: the queue gives keys back soonest first, and the store checks each against its entry as it is now, so
 * a key written again with a later TTL, or without one, survives its earlier time, and one shortened goes at its new
 * time.
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createExpiryQueue } from "../../gateway/src/session-stores/_expiry-queue.ts";
import { fsSessionStore } from "../../gateway/src/session-stores/fs.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { journalChangesIn } from "../helpers/journal-changes.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("expiry queue", () => {
  it("gives back the keys due by a time, soonest first, each once", () => {
    const queue = createExpiryQueue();
    // A fixed pseudo-random order of 2,000 times, with repeats.
    let seed = 7;
    const items = Array.from({ length: 2000 }, (_, i) => {
      seed = (seed * 48271) % 2147483647;
      return { key: `k${i}`, at: 1_000_000 + (seed % 5000) };
    });
    for (const { key, at } of items) queue.add(key, at);
    const sorted = [...items].sort((a, b) => a.at - b.at);
    const at = (key: string) => items[Number(key.slice(1))]!.at;

    const first = queue.due(1_002_000);
    expect(first).toHaveLength(sorted.filter((item) => item.at <= 1_002_000).length);
    expect(first.map(at)).toEqual(first.map(at).sort((a, b) => a - b));
    expect(queue.due(1_002_000)).toEqual([]);
    const rest = queue.due(Number.MAX_SAFE_INTEGER);
    expect(rest.map(at)).toEqual(rest.map(at).sort((a, b) => a - b));
    expect(rest.every((key) => at(key) > 1_002_000)).toBe(true);
    expect(new Set([...first, ...rest]).size).toBe(2000);
    expect(queue.size).toBe(0);
  });
});

describe("sweeping expired keys", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-expiry-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Writes keys whose TTLs change, waits past the short ones, and triggers a sweep with one more write. */
  async function writeAndSweep(store: SessionStore) {
    await store.set("ticket:short", 1, { ttl: 0.15 });
    await store.set("ticket:lengthened", 1, { ttl: 0.15 });
    await store.set("ticket:lengthened", 2, { ttl: 60 });
    await store.set("ticket:shortened", 1, { ttl: 60 });
    await store.set("ticket:shortened", 2, { ttl: 0.15 });
    await store.set("ticket:kept", 1, { ttl: 0.15 });
    await store.set("ticket:kept", 2);
    await store.set("ticket:gone", 1, { ttl: 0.15 });
    await store.delete("ticket:gone");
    await store.add("ticket:counter", 0, { ttl: 0.15 });
    await store.increment("ticket:counter"); // keeps its TTL
    await sleep(250);
    await store.set("trigger", 1);
  }

  it("fs: the sweep journals a delete for each expired key, and for no other", async () => {
    const store = fsSessionStore({ dir, fs, sweepIntervalMs: 100 });
    await writeAndSweep(store);
    const deletes = (await journalChangesIn(dir))
      .map((line) => JSON.parse(line) as { k: string; v?: unknown })
      .filter((change) => !("v" in change))
      .map((change) => change.k);
    expect(deletes.sort()).toEqual(["ticket:counter", "ticket:gone", "ticket:short", "ticket:shortened"]);
    expect(await store.keys("ticket:")).toEqual(["ticket:kept", "ticket:lengthened"]);
    await store.dispose();
  });

  it("memory: expired keys go, rewritten ones stay", async () => {
    const store = memorySessionStore({ sweepIntervalMs: 100 });
    await writeAndSweep(store);
    expect(await store.keys("ticket:")).toEqual(["ticket:kept", "ticket:lengthened"]);
    expect(await store.get("ticket:lengthened")).toBe(2);
    await store.dispose();
  });
});
