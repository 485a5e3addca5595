import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FileSystemLike, fsSessionStore } from "../../gateway/src/session-stores/fs.ts";

/** The real `node:fs/promises`, counting reads, with a gate that can hold a read after it got its bytes. */
function watchedFs() {
  let release: (() => void) | null = null;
  let gate: Promise<void> | null = null;
  const watched = {
    reads: 0,
    fs: {
      ...fs,
      async readFile(path: string) {
        watched.reads++;
        const bytes = await fs.readFile(path);
        if (gate) await gate;
        return bytes;
      },
    } as FileSystemLike,
    /** Holds every read until `open()`. */
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    open() {
      gate = null;
      release?.();
    },
  };
  return watched;
}

describe("fs session store read cache", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-cache-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("answers reads of what it wrote or read once from memory, always with a fresh copy", async () => {
    const first = fsSessionStore({ dir, fs });
    await first.set("task:a:1", { list: [1] });
    await first.dispose();

    const watched = watchedFs();
    const store = fsSessionStore({ dir, fs: watched.fs });
    await store.keys(""); // loads the index (one read per file)
    const afterScan = watched.reads;
    const read = await store.get<{ list: number[] }>("task:a:1"); // from disk
    read!.list.push(2);
    expect(await store.get("task:a:1")).toEqual({ list: [1] }); // from the cache, untouched by the push
    await store.set("task:a:2", { n: 1 });
    const written = await store.get<{ n: number }>("task:a:2");
    written!.n = 99;
    expect(await store.get("task:a:2")).toEqual({ n: 1 });
    expect(watched.reads - afterScan).toBe(1);
    await store.dispose();
  });

  it("does not cache bytes an unlocked read got before a concurrent write replaced them", async () => {
    const first = fsSessionStore({ dir, fs });
    await first.set("k", "old");
    await first.dispose();

    const watched = watchedFs();
    const store = fsSessionStore({ dir, fs: watched.fs });
    await store.keys("");
    watched.hold();
    const slowRead = store.get("k"); // gets the old bytes, then waits at the gate
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.set("k", "new");
    watched.open();
    expect(await slowRead).toBe("old"); // ordered before the write, which is fine
    expect(await store.get("k")).toBe("new"); // but the old bytes must not have been cached over "new"
    await store.dispose();
  });

  it("stays correct past its bound: evicted keys are read from disk again", async () => {
    const watched = watchedFs();
    const store = fsSessionStore({ dir, fs: watched.fs, cacheEntries: 2 });
    for (let i = 0; i < 5; i++) await store.set(`k:${i}`, i);
    const before = watched.reads;
    for (let i = 0; i < 5; i++) expect(await store.get(`k:${i}`)).toBe(i);
    expect(watched.reads - before).toBeGreaterThanOrEqual(3);
    await store.delete("k:4");
    expect(await store.get("k:4")).toBeNull();
    expect(await store.take("k:3")).toBe(3);
    expect(await store.get("k:3")).toBeNull();
    expect(await store.keys("k:")).toEqual(["k:0", "k:1", "k:2"]);
    await store.dispose();
  });
});
