/**
 * The `update` part of the SessionStore contract (read-modify-write without lost updates), registered by
 * `testSessionStore` inside its describe block, so it runs against every backend with the same setup.
 */
import { expect, it } from "vitest";
import type { SessionStoreUnderTest } from "./session-store.ts";

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (list: number[] | null) => [...(list ?? [])].sort((a, b) => a - b);

export function updateContractTests(
  name: string,
  subject: () => SessionStoreUnderTest,
  options: { sharedAcrossProcesses?: boolean },
): void {
  it("update writes what the step makes of the current value, or nothing", async () => {
    const { store } = subject();
    const first = await store.update<{ n: number }>("upd", (current) => {
      expect(current).toBeNull();
      return { value: { n: 1 } };
    });
    expect(first).toEqual({ value: { n: 1 }, changed: true });
    const left = await store.update<{ n: number }>("upd", (current) => {
      current!.n = 99; // its own copy: changing it writes nothing
      return undefined;
    });
    expect(left).toEqual({ value: { n: 1 }, changed: false });
    const second = await store.update<{ n: number }>("upd", (current) => ({ value: { n: current!.n + 1 } }));
    expect(second).toEqual({ value: { n: 2 }, changed: true });
    second.value!.n = 50;
    expect(await store.get("upd")).toEqual({ n: 2 });
    expect(await store.update("upd-missing", () => undefined)).toEqual({ value: null, changed: false });
    expect(await store.keys("upd-missing")).toEqual([]);
    await expect(store.update("upd", () => ({ value: undefined }))).rejects.toThrow(/JSON/);
    await expect(store.update("upd", () => ({ value: 1, ttl: 0 }))).rejects.toThrow(/ttl/);
    expect(await store.get("upd")).toEqual({ n: 2 });
    await store.set("upd", "plain"); // a plain set in between is what the next step sees
    expect((await store.update<string>("upd", (current) => ({ value: `${current}!` }))).value).toBe("plain!");
  });

  it("update gives a TTL like set does, and a later update without one keeps the key", async () => {
    const { store } = subject();
    await store.update("upd-ttl:gone", () => ({ value: "a", ttl: 1 }));
    await store.update("upd-ttl:kept", () => ({ value: "b", ttl: 1 }));
    await store.update<string>("upd-ttl:kept", (current) => ({ value: `${current}2` }));
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(await store.get("upd-ttl:gone")).toBeNull();
    expect(
      await store.update("upd-ttl:gone", (current) => (current === null ? undefined : { value: 1 })),
    ).toEqual({ value: null, changed: false });
    expect(await store.get("upd-ttl:kept")).toBe("b2");
  });

  it("update deletes the key when the step says so, and only a key that is there", async () => {
    const { store } = subject();
    await store.set("upd-del", { n: 1 }, { ttl: 60 });
    const kept = await store.update<{ n: number }>("upd-del", (current) =>
      current?.n === 2 ? { delete: true } : undefined,
    );
    expect(kept).toEqual({ value: { n: 1 }, changed: false });
    const deleted = await store.update<{ n: number }>("upd-del", (current) =>
      current?.n === 1 ? { delete: true } : undefined,
    );
    expect(deleted).toEqual({ value: null, changed: true });
    expect(await store.get("upd-del")).toBeNull();
    expect(await store.keys("upd-del")).toEqual([]);
    expect(await store.update("upd-del", () => ({ delete: true }))).toEqual({ value: null, changed: false });
    // The key can be written again afterwards, as new.
    expect(await store.add("upd-del", 3)).toBe(true);
  });

  it("a conditional delete racing a write of a new value never removes the new value", async () => {
    const { store, reopen } = subject();
    const other = (options.sharedAcrossProcesses && reopen ? await reopen() : null) ?? store;
    for (const round of upTo(10)) {
      const key = `race:del:${round}`;
      await store.set(key, "old");
      // "Remove it while it is still old" on one instance, "make it new" on the other, at the same moment.
      await Promise.all([
        store.update<string>(key, (current) => (current === "old" ? { delete: true } : undefined)),
        other.update<string>(key, () => ({ value: "new" })),
      ]);
      expect(await store.get(key)).toBe("new");
    }
  });

  // Every conflict costs a retry (two round trips), so n writers of one key cost about n²/2 of them: kept small
  // enough for a REST backend on a loaded machine, large enough that a plain read-then-write loses most of them.
  it("of 20 concurrent updates of one key none is lost", async () => {
    const { store } = subject();
    const results = await Promise.all(
      upTo(20).map((i) => store.update<number[]>("race:update", (list) => ({ value: [...(list ?? []), i] }))),
    );
    expect(results.every((result) => result.changed)).toBe(true);
    expect(sorted(await store.get<number[]>("race:update"))).toEqual(upTo(20));
  });

  it("two instances (two processes' connections) updating one key at once lose nothing", async (context) => {
    if (!options.sharedAcrossProcesses)
      return context.skip(`${name} is used by one process at a time: nothing else can write in between`);
    const { store, reopen } = subject();
    if (!reopen) throw new Error(`${name} is declared shared but its harness has no reopen()`);
    const other = await reopen();
    // Each instance's updates are pipelined on its own connection, so the two interleave between read and write.
    const results = await Promise.all(
      upTo(30).map((i) =>
        (i % 2 ? other : store).update<number[]>("race:two", (list) => ({ value: [...(list ?? []), i] })),
      ),
    );
    expect(results.every((result) => result.changed)).toBe(true);
    expect(sorted(await store.get<number[]>("race:two"))).toEqual(upTo(30));
    // A step that refuses on what it sees is judged on the newest value: only one of these claims wins.
    const claims = await Promise.all(
      upTo(20).map((i) =>
        (i % 2 ? other : store).update<{ owner: number | null }>("race:claim", (claim) =>
          claim?.owner != null ? undefined : { value: { owner: i } },
        ),
      ),
    );
    expect(claims.filter((claim) => claim.changed)).toHaveLength(1);
  });
}
