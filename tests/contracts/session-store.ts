/**
 * The contract every SessionStore backend passes: one call per backend from tests/session-stores/<name>.test.ts
 * (Node) or tests/cloudflare/ (workerd). Web APIs only, so it runs inside workerd too.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storeRefusal } from "../../gateway/src/errors.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { listingContractTests } from "./session-store-listing.ts";
import { updateContractTests } from "./session-store-update.ts";

export interface SessionStoreUnderTest {
  store: SessionStore;
  /** Removes what the test wrote and disposes every store instance it opened. */
  cleanup(): Promise<void>;
  /** Durable backends: a second, independent instance over the same data (same dir, server or object). */
  reopen?(): Promise<SessionStore>;
  /** Networked backends: make the server unreachable, then bring it back with its data. */
  outage?: { begin(): Promise<void>; end(): Promise<void> };
  /** Disk backends: make every later write fail as on a full disk. */
  fillDisk?(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const INVALID_KEYS = ["../x", "a/b", "", "a::b", "a:..:b", ":a", "a b", "a*"];

export interface SessionStoreContractOptions {
  /** Data outlives the store instance (fs, redis, upstash, cloudflare): adds the re-open test. */
  durable?: boolean;
  /**
   * Several instances (processes, nodes, isolates) may use the data at once (redis, upstash, cloudflare): adds tests
   * where two instances from `reopen` race each other.
   */
  sharedAcrossProcesses?: boolean;
  /**
   * How the store's paged listings (agents, tasks, tokens, an inbox) read a page: `key ranges` (memory, fs,
   * cloudflare) or, where `keys` is a scan of the whole database, `sorted sets` (redis, upstash).
   */
  listing: "key ranges" | "sorted sets";
}

/**
 * @example
 * testSessionStore("memory", async () => { const store = memorySessionStore({}); return { store, cleanup: () => store.dispose() }; }, { listing: "key ranges" });
 */
export function testSessionStore(
  name: string,
  open: () => Promise<SessionStoreUnderTest>,
  options: SessionStoreContractOptions,
): void {
  describe(`session store contract: ${name}`, () => {
    let subject: SessionStoreUnderTest;
    let store: SessionStore;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });
    /** Reads `key` once the store answers again after an outage (its probe runs every 250 ms). */
    async function readOnceBack(key: string): Promise<unknown> {
      const deadline = Date.now() + 5000;
      let value: unknown = null;
      while (Date.now() < deadline) {
        value = await store.get(key).catch(() => null);
        if (value !== null) break;
        await sleep(100);
      }
      return value;
    }

    it("round-trips objects, numbers, strings, booleans and arrays", async () => {
      const values: Record<string, unknown> = {
        object: { id: "t1", nested: { list: [1, "two", null], text: "ünïcødé ✓" } },
        number: 42.5,
        zero: 0,
        string: "hello",
        numericString: "123",
        booleanString: "true",
        nullString: "null",
        jsonString: '{"a":1}',
        empty: "",
        boolean: false,
        array: [{ a: 1 }, [2]],
      };
      for (const [key, value] of Object.entries(values)) await store.set(`v:${key}`, value);
      for (const [key, value] of Object.entries(values)) expect(await store.get(`v:${key}`)).toEqual(value);
    });

    it("reads several keys at once, in their order, missing and expired ones as null", async () => {
      await store.set("many:a", { n: 1 });
      await store.set("many:b", "two");
      await store.set("many:gone", 3, { ttl: 1 });
      expect(await store.getMany([])).toEqual([]);
      expect(await store.getMany(["many:b", "many:missing", "many:a", "many:b"])).toEqual([
        "two",
        null,
        { n: 1 },
        "two",
      ]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await store.getMany(["many:gone", "many:a"])).toEqual([null, { n: 1 }]);
      await expect(store.getMany(["many:a", "bad key"])).rejects.toThrow(/invalid key/);
    });

    it("reads more keys at once than one storage call takes (a Durable Object's get takes 128)", async () => {
      const count = 300;
      await Promise.all(Array.from({ length: count }, (_, i) => store.set(`batch:${i}`, i)));
      // Newest first, with a missing key after every tenth.
      const keys = Array.from({ length: count }, (_, i) => count - 1 - i).flatMap((i) =>
        i % 10 === 0 ? [`batch:${i}`, `batch:missing-${i}`] : [`batch:${i}`],
      );
      const values = await store.getMany<number>(keys);
      expect(values).toEqual(keys.map((key) => (key.includes("missing") ? null : Number(key.slice(6)))));
    });

    it("returns null for missing keys and copies values in and out", async () => {
      expect(await store.get("missing")).toBeNull();
      expect(await store.take("missing")).toBeNull();
      const value = { list: [1] };
      await store.set("copy", value);
      value.list.push(2);
      const read = await store.get<{ list: number[] }>("copy");
      expect(read).toEqual({ list: [1] });
      read!.list.push(3);
      expect(await store.get("copy")).toEqual({ list: [1] });
    });

    it("overwrites and deletes; deleting a missing key is fine", async () => {
      await store.set("k", 1);
      await store.set("k", { v: 2 });
      expect(await store.get("k")).toEqual({ v: 2 });
      await store.delete("k");
      expect(await store.get("k")).toBeNull();
      await store.delete("k");
      expect(await store.keys("k")).toEqual([]);
    });

    it("expires keys after their TTL everywhere (get, keys, add, take, increment)", async () => {
      await store.set("ttl:get", "a", { ttl: 1 });
      await store.set("ttl:take", "b", { ttl: 1 });
      await store.set("ttl:count", 5, { ttl: 1 });
      expect(await store.add("ttl:add", "c", { ttl: 1 })).toBe(true);
      await store.set("ttl:cleared", "d", { ttl: 1 });
      await store.set("ttl:cleared", "d2"); // a plain set removes the earlier TTL
      await store.set("ttl:forever", "e");
      expect(await store.get("ttl:get")).toBe("a");
      expect(await store.keys("ttl:")).toEqual([
        "ttl:add",
        "ttl:cleared",
        "ttl:count",
        "ttl:forever",
        "ttl:get",
        "ttl:take",
      ]);
      await sleep(1300);
      expect(await store.get("ttl:get")).toBeNull();
      expect(await store.take("ttl:take")).toBeNull();
      expect(await store.increment("ttl:count")).toBe(1);
      expect(await store.add("ttl:add", "c2")).toBe(true);
      expect(await store.get("ttl:cleared")).toBe("d2");
      expect(await store.keys("ttl:")).toEqual(["ttl:add", "ttl:cleared", "ttl:count", "ttl:forever"]);
    });

    it("increment keeps the TTL that add gave a counter (rate-limit windows)", async () => {
      expect(await store.add("rate:w", 0, { ttl: 1 })).toBe(true);
      expect(await store.increment("rate:w")).toBe(1);
      expect(await store.increment("rate:w", 2)).toBe(3);
      expect(await store.add("rate:w", 0, { ttl: 1 })).toBe(false);
      await sleep(1300);
      // Had an increment dropped the TTL, the counter would still be 3 here.
      expect(await store.get("rate:w")).toBeNull();
      expect(await store.keys("rate:")).toEqual([]);
      expect(await store.increment("rate:w")).toBe(1);
    });

    it("add writes only when the key is absent", async () => {
      expect(await store.add("once", { n: 1 })).toBe(true);
      expect(await store.add("once", { n: 2 })).toBe(false);
      expect(await store.get("once")).toEqual({ n: 1 });
      await store.delete("once");
      expect(await store.add("once", { n: 3 })).toBe(true);
    });

    it("of 50 concurrent adds of one key exactly one wins", async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.add("race:add", i, { ttl: 30 })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get("race:add")).toBe(results.indexOf(true));
    });

    it("take returns the value once; of 50 concurrent takes exactly one gets it", async () => {
      await store.set("ticket", { agent: "a1" });
      const results = await Promise.all(Array.from({ length: 50 }, () => store.take("ticket")));
      expect(results.filter((value) => value !== null)).toEqual([{ agent: "a1" }]);
      expect(await store.get("ticket")).toBeNull();
    });

    it("100 concurrent increments count to 100, each seeing a distinct value", async () => {
      const results = await Promise.all(Array.from({ length: 100 }, () => store.increment("seq")));
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(await store.get("seq")).toBe(100);
      expect(await store.increment("seq", 5)).toBe(105);
      expect(await store.increment("seq", -105)).toBe(0);
      await store.set("text", "abc");
      await expect(store.increment("text")).rejects.toThrow();
    });

    it("rejects invalid keys, values, TTLs and prefixes", async () => {
      for (const key of INVALID_KEYS) {
        await expect(store.get(key), key).rejects.toThrow(/invalid key/);
        await expect(store.set(key, 1), key).rejects.toThrow(/invalid key/);
        await expect(store.add(key, 1), key).rejects.toThrow(/invalid key/);
        await expect(store.take(key), key).rejects.toThrow(/invalid key/);
        await expect(store.increment(key), key).rejects.toThrow(/invalid key/);
        await expect(store.delete(key), key).rejects.toThrow(/invalid key/);
        await expect(
          store.update(key, () => ({ value: 1 })),
          key,
        ).rejects.toThrow(/invalid key/);
      }
      await expect(store.set("k", undefined)).rejects.toThrow(/JSON/);
      await expect(store.set("k", 1, { ttl: 0 })).rejects.toThrow(/ttl/);
      await expect(store.set("k", 1, { ttl: -1 })).rejects.toThrow(/ttl/);
      await expect(store.keys("a*")).rejects.toThrow(/prefix/);
      await expect(store.keys("../")).rejects.toThrow(/prefix/);
      expect(await store.keys("")).toEqual([]);
    });

    listingContractTests(() => subject, options);

    it("a store outage fails every operation within 2 s with store_unavailable, then recovers with the data", async (context) => {
      if (!subject.outage) return context.skip(`${name} has no outage to simulate (it lives in the process)`);
      await store.set("outage:before", { kept: true });
      await subject.outage.begin();
      const operations: Array<[string, () => Promise<unknown>]> = [
        ["get", () => store.get("outage:before")],
        ["set", () => store.set("outage:x", 1)],
        ["add", () => store.add("outage:y", 1)],
        ["take", () => store.take("outage:before")],
        ["increment", () => store.increment("outage:n")],
        ["delete", () => store.delete("outage:before")],
        ["keys", () => store.keys("outage:")],
        ["update", () => store.update("outage:u", () => ({ value: 1 }))],
      ];
      for (const [label, operation] of operations) {
        const started = Date.now();
        const error = await operation().then(
          () => null,
          (failure: unknown) => failure,
        );
        expect(storeRefusal(error)?.code, label).toBe("store_unavailable");
        expect(Date.now() - started, label).toBeLessThan(2000);
      }
      expect(store.health?.().state).toBe("unavailable");
      await subject.outage.end();
      expect(await readOnceBack("outage:before")).toEqual({ kept: true });
      expect(store.health?.().state).toBe("up");
      expect(await store.increment("outage:n")).toBe(1);
    });

    it("a process that stalls past the timeout while the store answers is not cut off from it (a freeze is no outage)", async (context) => {
      if (!subject.outage)
        return context.skip(`${name} has no outage to simulate, so no store timeout to stall past`);
      await store.set("stall:key", "answered");
      // The request is on the wire; this process then runs nothing for longer than the store's 1.5 s timeout, as
      // when frozen (SIGSTOP, a paused VM). The answer waits unread, and on waking the overdue timer runs first.
      const answer = store.get("stall:key");
      const until = performance.now() + 2500;
      while (performance.now() < until) {
        // busy: the event loop cannot read the socket
      }
      expect(await answer).toBe("answered");
      expect(store.health?.().state).toBe("up");
      // A store that stays silent after the stall still times out: the stall gives it a fresh wait, not forever.
      await subject.outage.begin();
      const refused = await store.get("stall:key").then(
        () => null,
        (error: unknown) => error,
      );
      expect(storeRefusal(refused)?.code).toBe("store_unavailable");
      await subject.outage.end();
      expect(await readOnceBack("stall:key")).toBe("answered");
    });

    it("a full disk refuses writes with store_read_only and keeps serving reads", async (context) => {
      if (!subject.fillDisk) return context.skip(`${name} writes to no local disk`);
      await store.set("disk:before", "kept");
      await store.increment("disk:n");
      subject.fillDisk();
      const failed = await store.set("disk:after", "lost").then(
        () => null,
        (error: unknown) => error,
      );
      expect(storeRefusal(failed)?.code).toBe("store_read_only");
      // Later writes are refused at once, before memory changes, so memory and disk stay the same.
      const again = await store.increment("disk:n").then(
        () => null,
        (error: unknown) => error,
      );
      expect(storeRefusal(again)?.code).toBe("store_read_only");
      const updated = await store
        .update("disk:n", () => ({ value: 2 }))
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(storeRefusal(updated)?.code).toBe("store_read_only");
      expect(await store.get("disk:before")).toBe("kept");
      expect(await store.get("disk:n")).toBe(1);
      expect(await store.keys("disk:")).toEqual(expect.arrayContaining(["disk:before", "disk:n"]));
      if (store.health) expect(store.health().state).toBe("read_only");
    });

    updateContractTests(name, () => subject, options);

    if (!options.durable) return;
    it("keeps values when the store is opened again", async () => {
      if (!subject.reopen) throw new Error(`${name} is declared durable but its harness has no reopen()`);
      await store.set("durable:object", { id: 1 });
      await store.set("durable:ttl", "soon", { ttl: 60 });
      await store.increment("durable:seq", 7);
      const again = await subject.reopen();
      expect(await again.get("durable:object")).toEqual({ id: 1 });
      expect(await again.get("durable:ttl")).toBe("soon");
      expect(await again.increment("durable:seq")).toBe(8);
      expect(await again.keys("durable:")).toEqual(["durable:object", "durable:seq", "durable:ttl"]);
    });
  });
}
