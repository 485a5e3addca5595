import { describe, expect, it } from "vitest";
import { createKeyIndex, type KeyIndex } from "../../gateway/src/session-stores/_key-index.ts";

type Entry = { expiresAt: number | null };
/** Entries for the tests that only tell live from expired at `NOW`. */
const NOW = 1000;
const LIVE: Entry = { expiresAt: null };
const EXPIRED: Entry = { expiresAt: NOW };

/** What `keys(prefix, now)` must return: a full scan, the behaviour the index replaces. */
const scan = (entries: Map<string, Entry>, prefix: string, now = NOW) =>
  [...entries]
    .filter(([key, entry]) => (entry.expiresAt === null || entry.expiresAt > now) && key.startsWith(prefix))
    .map(([key]) => key)
    .sort();

/** Pages of `prefix` (from the start, from a listed key, from between keys; up and down) are parts of `expected`. */
function expectPagesLikeScan(
  index: KeyIndex<Entry>,
  prefix: string,
  expected: string[],
  now: number,
  limit: number,
): void {
  const at = expected[Math.floor(expected.length / 3)] ?? `${prefix}0`;
  for (const from of [null, at, `${at}5`]) {
    const up = from === null ? expected : expected.filter((key) => key > from);
    expect(index.range(prefix, { from, limit, direction: "up" }, now), `${prefix} up ${from}`).toEqual(
      up.slice(0, limit),
    );
    const down = (from === null ? expected : expected.filter((key) => key < from)).toReversed();
    expect(index.range(prefix, { from, limit, direction: "down" }, now), `${prefix} down ${from}`).toEqual(
      down.slice(0, limit),
    );
  }
}

describe("key index", () => {
  it("lists the same keys (and pages of them) as a full scan through random sets and deletes, for every kind of prefix", () => {
    const index = createKeyIndex<Entry>();
    const truth = new Map<string, Entry>();
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
        const entry = random(5) !== 0 ? LIVE : EXPIRED;
        index.set(key, entry);
        truth.set(key, entry);
      }
      if (step % 100 === 0) {
        for (const prefix of prefixes) {
          expect(index.keys(prefix, NOW), prefix).toEqual(scan(truth, prefix));
          // Pages keep a group's sorted listing at any size: the sets and deletes since must be seen.
          expectPagesLikeScan(index, prefix, scan(truth, prefix), NOW, 1 + random(4));
        }
      }
    }
    expect(index.size).toBe(truth.size);
  });

  it("keeps a key that prefixes others apart from them, and forgets emptied groups", () => {
    const index = createKeyIndex<Entry>();
    index.set("agent:abc", LIVE);
    index.set("agent:abc:x", LIVE);
    index.set("agent:abcd", LIVE);
    expect(index.keys("agent:abc:", NOW)).toEqual(["agent:abc:x"]);
    expect(index.keys("agent:abc", NOW)).toEqual(["agent:abc", "agent:abc:x", "agent:abcd"]);
    index.set("agent:abc:x", EXPIRED); // replacing keeps one listing
    expect(index.keys("agent:", 0)).toEqual(["agent:abc", "agent:abc:x", "agent:abcd"]);
    expect(index.keys("agent:", NOW)).toEqual(["agent:abc", "agent:abcd"]);
    index.delete("agent:abc:x");
    expect(index.keys("agent:abc:", NOW)).toEqual([]);
    index.clear();
    expect(index.keys("", NOW)).toEqual([]);
  });

  it("drops a key of a kept listing once an expiry given to it later has passed", () => {
    const index = createKeyIndex<Entry>();
    for (let i = 0; i < 2000; i++) index.set(`name:${String(i).padStart(4, "0")}`, LIVE);
    expect(index.keys("name:", NOW)).toHaveLength(2000); // kept: nothing under it expires
    index.set("name:0007", { expiresAt: NOW + 5 });
    expect(index.keys("name:", NOW)).toHaveLength(2000);
    expect(index.keys("name:", NOW + 5)).not.toContain("name:0007");
    expect(index.keys("name:", NOW + 5)).toHaveLength(1999);
  });

  // Groups of thousands of keys keep their sorted listing: it must follow every change a scan would see.
  it("lists large groups (and pages of them) as a full scan does through sets, deletes, expiry changes and time passing", () => {
    const index = createKeyIndex<Entry>();
    const truth = new Map<string, Entry>();
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const set = (key: string, entry: Entry) => {
      index.set(key, entry);
      truth.set(key, entry);
    };
    let now = 0;
    const entryAt = (): Entry => (random(3) === 0 ? { expiresAt: now + 1 + random(400) } : LIVE);
    // `name:<n>` under the one-segment group, `task:a:<n>` under a two-segment one, both above the kept size.
    for (let i = 0; i < 3000; i++) {
      set(`name:${i}`, entryAt());
      set(`task:a:${i}`, entryAt());
    }
    const prefixes = ["name:", "task:", "task:a:", "task:a:1", "name:2", ""];
    const check = () => {
      for (const prefix of prefixes) {
        const expected = scan(truth, prefix, now);
        const listed = index.keys(prefix, now);
        expect(listed, prefix).toEqual(expected);
        listed.length = 0; // a caller's copy: the kept listing stays whole
        expectPagesLikeScan(index, prefix, expected, now, 1 + random(300));
      }
    };
    check();
    for (let step = 0; step < 400; step++) {
      const key = random(2) === 0 ? `name:${random(3200)}` : `task:a:${random(3200)}`;
      const change = random(6);
      if (change === 0) {
        index.delete(key);
        truth.delete(key);
      } else if (change === 1 && truth.has(key)) {
        set(key, { expiresAt: now + 1 }); // an existing key's expiry, moved sooner
      } else if (change === 2) {
        now += 1 + random(5); // time passes: some keys expire without any write
      } else if (change === 3) {
        set(key, { ...(truth.get(key) ?? LIVE) }); // written again with the same expiry
      } else {
        set(key, entryAt());
      }
      if (step % 20 === 0) check();
    }
    check();
  });
});
