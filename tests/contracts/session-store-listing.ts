/**
 * The listing part of the SessionStore contract, registered by `testSessionStore` inside its describe block: keys by
 * prefix on every backend, and what each backend's paged listings (agents, tasks, tokens, an inbox) read a page with,
 * key ranges or sorted sets (the other is not offered, so a backend cannot drift to a whole-prefix listing per page).
 */
import { expect, it } from "vitest";
import type { SessionStoreContractOptions, SessionStoreUnderTest } from "./session-store.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Keys for the listing tests, unsorted, some prefixing others. */
const LISTED_KEYS = ["agent:b", "agent:abc:x", "agent:abc", "agent:a-b", "agents", "task:1", "agent:abc:x:y"];

export function listingContractTests(
  subject: () => SessionStoreUnderTest,
  options: Pick<SessionStoreContractOptions, "listing">,
): void {
  it("lists live keys by prefix, sorted, including keys that prefix other keys", async () => {
    const { store } = subject();
    for (const key of LISTED_KEYS) await store.set(key, key);
    expect(await store.get("agent:abc")).toBe("agent:abc");
    expect(await store.get("agent:abc:x")).toBe("agent:abc:x");
    expect(await store.keys("agent:")).toEqual([
      "agent:a-b",
      "agent:abc",
      "agent:abc:x",
      "agent:abc:x:y",
      "agent:b",
    ]);
    expect(await store.keys("agent:abc")).toEqual(["agent:abc", "agent:abc:x", "agent:abc:x:y"]);
    expect(await store.keys("agent:abc:")).toEqual(["agent:abc:x", "agent:abc:x:y"]);
    expect(await store.keys("agent")).toHaveLength(6);
    expect(await store.keys("")).toHaveLength(7);
    expect(await store.keys("nothing:")).toEqual([]);
    await store.delete("agent:abc");
    expect(await store.get("agent:abc:x")).toBe("agent:abc:x");
    expect(await store.keys("agent:abc")).toEqual(["agent:abc:x", "agent:abc:x:y"]);
  });

  it(`pages its listings with ${options.listing}, and offers no other way`, () => {
    const { store } = subject();
    expect(typeof store.keyRange === "function").toBe(options.listing === "key ranges");
    expect(store.sortedSets !== undefined).toBe(options.listing === "sorted sets");
  });

  if (options.listing === "key ranges") {
    it("key ranges page a prefix up and down, live keys only", async () => {
      const { store } = subject();
      const range = (prefix: string, from: string | null, limit: number, direction: "up" | "down") =>
        store.keyRange!(prefix, { from, limit, direction });
      for (const key of LISTED_KEYS) await store.set(key, key);
      await store.set("agent:gone", 1, { ttl: 0.001 }); // after agent:b, expired before it is listed
      await sleep(20);
      const all = ["agent:a-b", "agent:abc", "agent:abc:x", "agent:abc:x:y", "agent:b"];
      expect(await range("agent:", null, 2, "up")).toEqual(all.slice(0, 2));
      expect(await range("agent:", "agent:abc", 10, "up")).toEqual(all.slice(2));
      expect(await range("agent:", "agent:ab", 1, "up")).toEqual(["agent:abc"]);
      expect(await range("agent:", "agent:b", 5, "up")).toEqual([]);
      expect(await range("agent:", null, 2, "down")).toEqual(["agent:b", "agent:abc:x:y"]);
      expect(await range("agent:", "agent:abc:x", 10, "down")).toEqual(["agent:abc", "agent:a-b"]);
      expect(await range("agent:", "agent:a-b", 10, "down")).toEqual([]);
      expect(await range("agent:abc", null, 10, "up")).toEqual(["agent:abc", "agent:abc:x", "agent:abc:x:y"]);
      // `from` outside the prefix: the range is still the prefix's.
      expect(await range("agent:abc:", "a", 10, "up")).toEqual(["agent:abc:x", "agent:abc:x:y"]);
      expect(await range("agent:abc:", "z", 10, "down")).toEqual(["agent:abc:x:y", "agent:abc:x"]);
      expect(await range("", "task:1", 2, "down")).toEqual(["agents", "agent:b"]);
      expect(await range("nothing:", null, 10, "up")).toEqual([]);
      for (const limit of [0, -1, 1.5, 10_001]) {
        await expect(range("agent:", null, limit, "up"), String(limit)).rejects.toThrow(/limit/);
      }
      await expect(range("agent:", "a b", 1, "up")).rejects.toThrow(/invalid key/);
      await expect(range("a*", null, 1, "up")).rejects.toThrow(/prefix/);
    });

    return;
  }

  it("sorted sets order by score, then member, and forget removed members", async () => {
    const sets = subject().store.sortedSets!;
    await sets.add("z:set", "b", 2);
    await sets.add("z:set", "c", 1);
    await sets.add("z:set", "a", 2);
    await sets.add("z:set", "c", 3); // moves
    expect(await sets.range("z:set")).toEqual(["a", "b", "c"]);
    await sets.remove("z:set", "b");
    await sets.remove("z:set", "missing");
    expect(await sets.range("z:set")).toEqual(["a", "c"]);
    expect(await sets.range("z:none")).toEqual([]);
    await expect(sets.add("z:set", "a b", 1)).rejects.toThrow(/invalid key/);
  });

  it("sorted sets of one score list members after or before a member, a few at a time", async () => {
    const sets = subject().store.sortedSets!;
    for (const member of ["bot-2", "bot", "alpha", "bot1", "zeta", "bota"]) {
      await sets.add("z:lex", member, 0);
    }
    const all = ["alpha", "bot", "bot-2", "bot1", "bota", "zeta"];
    expect(await sets.range("z:lex")).toEqual(all);
    expect(await sets.rangeAfter("z:lex", null, 2)).toEqual(["alpha", "bot"]);
    expect(await sets.rangeAfter("z:lex", "bot", 3)).toEqual(["bot-2", "bot1", "bota"]);
    expect(await sets.rangeAfter("z:lex", "bo", 1)).toEqual(["bot"]);
    expect(await sets.rangeAfter("z:lex", "zeta", 5)).toEqual([]);
    expect(await sets.rangeAfter("z:none", null, 5)).toEqual([]);
    expect(await sets.rangeBefore("z:lex", null, 2)).toEqual(["zeta", "bota"]);
    expect(await sets.rangeBefore("z:lex", "bota", 3)).toEqual(["bot1", "bot-2", "bot"]);
    expect(await sets.rangeBefore("z:lex", "bot0", 5)).toEqual(["bot-2", "bot", "alpha"]);
    expect(await sets.rangeBefore("z:lex", "alpha", 5)).toEqual([]);
    expect(await sets.rangeBefore("z:none", null, 5)).toEqual([]);
  });
}
