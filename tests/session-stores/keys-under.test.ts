/**
 * `keysUnder` reads a prefix's keys a chunk at a time from a store with key ranges, and at once from a store
 * without them (a backend of one's own): both give the same keys in the same order, from any starting point.
 */
import { describe, expect, it } from "vitest";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { keysUnder } from "../../gateway/src/util/keys-under.ts";

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe("keysUnder", () => {
  it("pages a prefix up and down, with key ranges and without", async () => {
    const store = memorySessionStore({});
    const names = Array.from({ length: 23 }, (_, i) => `n${String(i).padStart(2, "0")}`);
    for (const name of names) await store.set(`agent-name:${name}`, 1);
    await store.set("agent-names", 1);
    await store.set("agent-nam", 1);
    const ranges: number[] = [];
    const counted: SessionStore = {
      ...store,
      keyRange: async (prefix, range) => {
        const keys = await store.keyRange!(prefix, range);
        ranges.push(keys.length);
        return keys;
      },
    };
    const { keyRange: _, ...withoutRanges } = store;

    for (const subject of [counted, withoutRanges as SessionStore]) {
      const read = (from: string | undefined, direction: "up" | "down") =>
        collect(keysUnder(subject, "agent-name:", { from, chunk: 5, direction }));
      expect(await read(undefined, "up")).toEqual(names);
      expect(await read("n09", "up")).toEqual(names.slice(10));
      expect(await read("n095", "up")).toEqual(names.slice(10));
      expect(await read("n22", "up")).toEqual([]);
      expect(await read(undefined, "down")).toEqual(names.toReversed());
      expect(await read("n10", "down")).toEqual(names.slice(0, 10).toReversed());
      expect(await read("n00", "down")).toEqual([]);
    }
    // With key ranges: 5 keys, then twice as many each time, until a read comes back short (23 in all; then the 13
    // after n09).
    expect(ranges.slice(0, 5)).toEqual([5, 10, 8, 5, 8]);
  });
});
