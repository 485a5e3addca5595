import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsSessionStore } from "../../gateway/src/session-stores/fs.ts";

describe("fs session store on disk", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-files-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("keeps a key and the keys it prefixes in separate files", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.set("agent:abc", { a: 1 });
    await store.set("agent:abc:x", "x");
    expect(JSON.parse(await fs.readFile(join(dir, "agent/abc@.json"), "utf8"))).toEqual({ value: { a: 1 } });
    expect(JSON.parse(await fs.readFile(join(dir, "agent/abc/x@.json"), "utf8"))).toEqual({ value: "x" });
    await store.dispose();
  });

  it("ignores and removes temp files a crash left behind, keeping the last complete value", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.set("task:1", { state: "done" });
    await store.dispose();
    await fs.writeFile(join(dir, "task/1@.json.crashed-0.tmp"), '{"value":{"sta');
    await fs.writeFile(join(dir, "task/2@.json.crashed-1.tmp"), '{"value":');
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.keys("")).toEqual(["task:1"]);
    expect(await reopened.get("task:1")).toEqual({ state: "done" });
    expect((await fs.readdir(join(dir, "task"))).sort()).toEqual(["1@.json"]);
    await reopened.dispose();
  });

  it("persists expiries: an entry that expired while the store was closed stays gone", async () => {
    await fs.mkdir(join(dir, "ticket"), { recursive: true });
    await fs.writeFile(
      join(dir, "ticket/old@.json"),
      JSON.stringify({ value: 1, expiresAt: Date.now() - 1000 }),
    );
    await fs.writeFile(
      join(dir, "ticket/new@.json"),
      JSON.stringify({ value: 2, expiresAt: Date.now() + 60_000 }),
    );
    const store = fsSessionStore({ dir, fs });
    expect(await store.keys("ticket:")).toEqual(["ticket:new"]);
    expect(await store.get("ticket:old")).toBeNull();
    expect(await store.add("ticket:old", 3)).toBe(true);
    expect(await store.take("ticket:new")).toBe(2);
    await store.dispose();
  });

  it("reports a corrupt file with its key instead of returning garbage", async () => {
    await fs.writeFile(join(dir, "broken@.json"), "{not json");
    const store = fsSessionStore({ dir, fs });
    expect(await store.keys("")).toEqual(["broken"]);
    await expect(store.get("broken")).rejects.toThrow(/broken .* not valid JSON/);
    await store.dispose();
  });
});
