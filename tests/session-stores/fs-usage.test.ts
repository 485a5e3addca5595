/**
 * The fs store's `usage()`: how much live data it holds in memory against its limit (`maxLiveBytes`,
 * AGENT_MESH_FS_MAX_MB), which the gateway checks before it takes new work.
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsSessionStore } from "../../gateway/src/session-stores/fs.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A live entry's size as `usage` counts it: its journal line's characters (`{"k":"","v":}` and a newline and room for `"e"`). */
const lineSize = (key: string, value: unknown) => key.length + JSON.stringify(value).length + 32;

describe("fs session store usage", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-usage-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("counts live data through writes, overwrites, deletes and a reopen", async () => {
    const store = fsSessionStore({ dir, fs });
    expect(store.usage()).toEqual({ liveBytes: 0, maxLiveBytes: null });
    await store.set("task:a:1", { status: "submitted", message: "hello" });
    await store.set("task:a:2", "x".repeat(100));
    await store.increment("count");
    const expected =
      lineSize("task:a:1", { status: "submitted", message: "hello" }) +
      lineSize("task:a:2", "x".repeat(100)) +
      lineSize("count", 1);
    expect(store.usage().liveBytes).toBe(expected);
    await store.set("task:a:2", "short");
    await store.delete("task:a:1");
    const after = lineSize("task:a:2", "short") + lineSize("count", 1);
    expect(store.usage().liveBytes).toBe(after);
    await store.dispose();
    const reopened = fsSessionStore({ dir, fs, maxLiveBytes: 4096 });
    await reopened.keys("");
    expect(reopened.usage()).toEqual({ liveBytes: after, maxLiveBytes: 4096 });
    await reopened.dispose();
  });

  it("takes a limit only as a positive whole number of bytes", () => {
    for (const wrong of [0, -1, 1.5, Number.NaN]) {
      expect(() => fsSessionStore({ dir, fs, maxLiveBytes: wrong }), String(wrong)).toThrow(
        expect.objectContaining({ code: "invalid_option" }),
      );
    }
  });

  it("at its limit drops expired entries at once, not at the next sweep, and at most once a second", async () => {
    const store = fsSessionStore({ dir, fs, maxLiveBytes: 2000, sweepIntervalMs: 60_000 });
    for (let i = 0; i < 20; i++) await store.set(`task:a:${i}`, "y".repeat(80), { ttl: 0.2 });
    await store.set("agent:kept", { name: "kept" });
    const kept = lineSize("agent:kept", { name: "kept" });
    await sleep(300);
    // Over the limit until it is asked: then the expired entries go, though the minute's sweep is far off.
    expect(store.usage().liveBytes).toBe(kept);
    for (let i = 0; i < 20; i++) await store.set(`task:b:${i}`, "y".repeat(80), { ttl: 0.1 });
    expect(store.usage().liveBytes).toBeGreaterThanOrEqual(2000);
    await sleep(200);
    // Expired, but the last sweep was under a second ago: a store asked on every request sweeps once a second.
    expect(store.usage().liveBytes).toBeGreaterThanOrEqual(2000);
    await sleep(900);
    expect(store.usage().liveBytes).toBe(kept);
    await store.dispose();
    // The removals are journaled: a reopened store has only the kept entry.
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.keys("")).toEqual(["agent:kept"]);
    await reopened.dispose();
  });
});
