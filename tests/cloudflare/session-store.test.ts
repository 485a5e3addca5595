import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cloudflareSessionStore } from "../../gateway/src/session-stores/cloudflare.ts";
import { GatewayStoreObject } from "../../runtimes/cloudflare/store-object.ts";
import { testSessionStore } from "../contracts/session-store.ts";

// One Durable Object instance per test (a fresh name), so tests never see each other's keys.
testSessionStore(
  "cloudflare",
  async () => {
    const name = crypto.randomUUID();
    const store = cloudflareSessionStore({ namespace: env.STORE, name });
    return {
      store,
      reopen: async () => cloudflareSessionStore({ namespace: env.STORE, name }),
      cleanup: async () => {
        for (const key of await store.keys("")) await store.delete(key);
      },
    };
  },
  { durable: true, sharedAcrossProcesses: true, listing: "key ranges" },
);

const objectOf = (name: string) => env.STORE.get(env.STORE.idFromName(name));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Listing and sweeping read the object's key table, never its values (`storage.list()` returns values: a store of
// a few dozen long task results no longer fits the object's memory when all of them are listed at once).
describe("cloudflare store object: keys and expiry without reading values", () => {
  it("lists a prefix and sweeps expired entries without listing storage", async () => {
    const name = crypto.randomUUID();
    const store = cloudflareSessionStore({ namespace: env.STORE, name });
    await store.set("task:a:1", { result: "x".repeat(10_000) });
    await store.set("task:a:2", { result: "y" }, { ttl: 0.001 });
    await store.set("task:b:1", { result: "z" });
    await store.set("tasks", 1);
    await sleep(20);
    await runInDurableObject(objectOf(name), async (object, state) => {
      const list = state.storage.list;
      state.storage.list = () => Promise.reject(new Error("storage.list() read values"));
      try {
        expect(await object.keys("task:a:")).toEqual(["task:a:1"]);
        expect(await object.keys("task:")).toEqual(["task:a:1", "task:b:1"]);
        expect(await object.keys("")).toEqual(["task:a:1", "task:b:1", "tasks"]);
        // A new instance over the same storage sweeps at its first write.
        const fresh = new GatewayStoreObject(state, env);
        await fresh.set("other", "1", null);
      } finally {
        state.storage.list = list;
      }
      expect(await state.storage.get("task:a:2")).toBeUndefined();
      expect(await state.storage.get("task:a:1")).toBeDefined();
    });
    // Deleted and taken keys leave the listing too.
    await store.delete("task:b:1");
    await store.take("tasks");
    expect(await store.keys("")).toEqual(["other", "task:a:1"]);
  });

  it("indexes a store written before the key table existed, once, and then lists and sweeps it", async () => {
    const name = crypto.randomUUID();
    const store = cloudflareSessionStore({ namespace: env.STORE, name });
    await store.set("warm", 1);
    await runInDurableObject(objectOf(name), async (_object, state) => {
      // The storage as the previous version left it: values only.
      state.storage.sql.exec("DROP TABLE entry_keys");
      state.storage.sql.exec("DROP TABLE store_meta");
      await state.storage.delete("warm");
      const entries: Record<string, { json: string; expiresAt: number | null }> = {};
      for (let i = 0; i < 40; i++)
        entries[`agent:a${String(i).padStart(2, "0")}`] = { json: `${i}`, expiresAt: null };
      entries["presence:a00"] = { json: "1", expiresAt: Date.now() - 1000 };
      entries["presence:a01"] = { json: "1", expiresAt: Date.now() + 600_000 };
      await state.storage.put(entries);

      const upgraded = new GatewayStoreObject(state, env);
      const agents = await upgraded.keys("agent:");
      expect(agents).toHaveLength(40);
      expect(agents[0]).toBe("agent:a00");
      expect(agents.at(-1)).toBe("agent:a39");
      expect(await upgraded.keys("presence:")).toEqual(["presence:a01"]);
      await upgraded.set("after", "1", null); // its first write sweeps
      expect(await state.storage.get("presence:a00")).toBeUndefined();
      expect(state.storage.sql.exec("SELECT value FROM store_meta").toArray()).toEqual([{ value: "1" }]);
    });
  });
});

// A SQLite-backed object's storage entry holds 2 MB: longer values (a task result near the 4 MB frame limit) are
// split over several entries, which every operation reads, replaces and deletes together.
describe("cloudflare store object: values longer than one storage entry", () => {
  const partsIn = (name: string, key: string) =>
    runInDurableObject(objectOf(name), async (_object, state) => [
      ...(await state.storage.list({ prefix: `${key}~` })).keys(),
    ]);

  it("reads, replaces, takes and deletes a 5 MB value and its parts", async () => {
    const name = crypto.randomUUID();
    const store = cloudflareSessionStore({ namespace: env.STORE, name });
    // Two-byte characters: the stored string takes two bytes each.
    const long = { result: `${"€".repeat(2_000_000)}${"x".repeat(1_000_000)}` };
    await store.set("task:a:1", long);
    expect(await store.get("task:a:1")).toEqual(long);
    expect(await store.getMany(["task:a:0", "task:a:1"])).toEqual([null, long]);
    expect(await store.keys("task:")).toEqual(["task:a:1"]);
    expect((await partsIn(name, "task:a:1")).length).toBeGreaterThan(1);

    await store.set("task:a:1", { result: "short" });
    expect(await store.get("task:a:1")).toEqual({ result: "short" });
    expect(await partsIn(name, "task:a:1")).toEqual([]);

    await store.set("task:a:2", long);
    const { changed } = await store.update<typeof long>("task:a:2", (current) => ({
      value: { result: `${current!.result}!` },
    }));
    expect(changed).toBe(true);
    expect(((await store.get("task:a:2")) as typeof long).result).toHaveLength(3_000_001);
    expect(await store.take("task:a:2")).toEqual({ result: `${long.result}!` });
    expect(await partsIn(name, "task:a:2")).toEqual([]);

    await store.set("task:a:3", long);
    await store.delete("task:a:3");
    expect(await store.get("task:a:3")).toBeNull();
    expect(await partsIn(name, "task:a:3")).toEqual([]);
  });

  it("sweeps an expired long value with its parts", async () => {
    const name = crypto.randomUUID();
    const store = cloudflareSessionStore({ namespace: env.STORE, name });
    await store.set("warm", 1); // the object's first write sweeps; the next sweep is a minute later
    await store.set("task:a:1", { result: "y".repeat(3_000_000) }, { ttl: 0.001 });
    await sleep(20);
    expect(await store.keys("task:")).toEqual([]);
    await runInDurableObject(objectOf(name), async (_object, state) => {
      await new GatewayStoreObject(state, env).set("other", "1", null); // a new instance sweeps at once
      expect([...(await state.storage.list({ prefix: "task:" })).keys()]).toEqual([]);
    });
  });
});
