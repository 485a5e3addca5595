import { describe, expect, it } from "vitest";
import { createKeyIndex } from "../../gateway/src/session-stores/_key-index.ts";

/** What `keys(prefix)` must return: a full scan, the behaviour the index replaces. */
const scan = (live: Map<string, boolean>, prefix: string) =>
  [...live]
    .filter(([key, isLive]) => isLive && key.startsWith(prefix))
    .map(([key]) => key)
    .sort();

describe("key index", () => {
  it("lists the same keys as a full scan through random sets and deletes, for every kind of prefix", () => {
    const index = createKeyIndex<boolean>();
    const truth = new Map<string, boolean>();
    const segments = ["a", "ab", "b", "x-1", "x.2"];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const randomKey = () =>
      Array.from({ length: 1 + random(4) }, () => segments[random(segments.length)]).join(":");
    const prefixes = ["", "a", "a:", "a:a", "a:ab", "a:ab:", "ab:", "b:x", "b:x-1:", "x.2:b:a:", "nothing:"];
    for (let step = 0; step < 3000; step++) {
      const key = randomKey();
      if (random(3) === 0) {
        expect(index.delete(key)).toBe(truth.delete(key));
      } else {
        const isLive = random(5) !== 0;
        index.set(key, isLive);
        truth.set(key, isLive);
      }
      if (step % 100 === 0) {
        for (const prefix of prefixes) {
          expect(
            index.keys(prefix, (entry) => entry),
            prefix,
          ).toEqual(scan(truth, prefix));
        }
      }
    }
    expect(index.size).toBe(truth.size);
  });

  it("keeps a key that prefixes others apart from them, and forgets emptied groups", () => {
    const index = createKeyIndex<number>();
    index.set("agent:abc", 1);
    index.set("agent:abc:x", 2);
    index.set("agent:abcd", 3);
    expect(index.keys("agent:abc:", () => true)).toEqual(["agent:abc:x"]);
    expect(index.keys("agent:abc", () => true)).toEqual(["agent:abc", "agent:abc:x", "agent:abcd"]);
    index.set("agent:abc:x", 4); // replacing keeps one listing
    expect(index.keys("agent:", () => true)).toEqual(["agent:abc", "agent:abc:x", "agent:abcd"]);
    expect(index.keys("agent:", (entry) => entry !== 4)).toEqual(["agent:abc", "agent:abcd"]);
    index.delete("agent:abc:x");
    expect(index.keys("agent:abc:", () => true)).toEqual([]);
    index.clear();
    expect(index.keys("", () => true)).toEqual([]);
  });
});
