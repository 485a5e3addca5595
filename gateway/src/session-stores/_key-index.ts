/**
 * The in-memory key index of the memory and fs session stores: key → entry, plus every key grouped under its first
 * two `:`-terminated ancestor prefixes (`a:b:c:d` is listed under `a:` and `a:b:`). The gateway lists
 * `task:<agentId>:` on every agent connect, so `keys(prefix)` has to cost the size of the answer, not of the store:
 * a reconnect wave of 10,000 agents over 20,000 keys would otherwise be 200 million comparisons. Every listing the
 * gateway makes is one or two segments deep; deeper groups would mostly hold one key each (`task-owner:<user>:
 * <ulid>:` is unique per task), a Set per key for nothing, so a deeper prefix filters its two-segment group.
 *
 * A key is stored in ONE group: its two-segment group (`a:b:`) when it has one, else its one-segment group (`a:`,
 * for `a:b`). The one-segment listing `a:` is that group plus the two-segment groups under `a:`, which each
 * first segment remembers. Putting every key in both groups cost a second Set insert (into a Set as large as all
 * tasks) on every durable task, a visible share of its CPU.
 *
 * A large listing costs its sort and a look at every entry's expiry: `agent-name:` with 100,000 agents took 57–100
 * ms (Node 20), on every page of the admin's agent listing, which the web page asks for every 3 s. So the sorted keys
 * under a group prefix with at least `SORTED_KEPT_FROM` of them are kept, with the soonest expiry among them, until
 * a key joins or leaves a group under it or an entry's expiry changes: until that expiry a listing is a copy of the
 * array (names change rarely; a group that changes often is sorted again, as before). A page of a listing
 * (`range`) is a binary search of that array, which is kept for any group larger than the page read that way: an
 * inbox walked a chunk at a time sorts its keys once, not once a chunk.
 * @module
 */
import { createExpiryQueue } from "./_expiry-queue.ts";
import type { KeyRange } from "./types.ts";

/** What the index needs of an entry: when it expires (epoch ms; null: never). */
export interface IndexedEntry {
  expiresAt: number | null;
}

export interface KeyIndex<Entry extends IndexedEntry> {
  readonly size: number;
  get(key: string): Entry | undefined;
  has(key: string): boolean;
  /** Adds or replaces the entry of `key`; returns the entry it replaced (entries are never `undefined`). */
  set(key: string, entry: Entry): Entry | undefined;
  /** Removes `key`; returns whether it was there. */
  delete(key: string): boolean;
  entries(): IterableIterator<[string, Entry]>;
  /**
   * Keys whose entry has expired by `now`, soonest first, from a queue of expiry times (`_expiry-queue.ts`): a sweep
   * visits those, not every key. Each is reported once; the caller removes them.
   */
  expired(now: number): string[];
  /**
   * Keys starting with `prefix` whose entry is live at `now`, sorted ascending. A `:`-terminated prefix of one or two
   * segments is one group lookup; any other prefix scans only the group of its longest indexed `:`-terminated part
   * (all keys when it has none).
   */
  keys(prefix: string, now: number): string[];
  /** A page of `keys(prefix, now)` (`SessionStore.keyRange`): found by binary search, no copy of the whole listing. */
  range(prefix: string, range: KeyRange, now: number): string[];
  clear(): void;
}

const NO_KEYS: ReadonlySet<string> = new Set();
/** The least keys under a group prefix whose sorted listing is kept: fewer sort in well under a millisecond. */
const SORTED_KEPT_FROM = 1024;
/** Ancestor prefixes a key is grouped under (see the module comment). */
const GROUP_DEPTH = 2;

/** The index of the first of ascending `sorted` that is greater than `key` (or, with `orEqual`, equal to it). */
function firstAbove(sorted: readonly string[], key: string, orEqual: boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! > key || (orEqual && sorted[middle] === key)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The end (exclusive) of the longest indexed `:`-terminated part of `text`, or 0 when it has none. */
function groupEnd(text: string): number {
  let end = 0;
  for (let depth = 0, colon = text.indexOf(":"); depth < GROUP_DEPTH && colon !== -1; depth++) {
    end = colon + 1;
    colon = text.indexOf(":", end);
  }
  return end;
}

/**
 * @example
 * const index = createKeyIndex<{ expiresAt: number | null }>();
 * index.set("task:a1:01J", { expiresAt: null });
 * index.keys("task:a1:", Date.now()); // ["task:a1:01J"], without looking at any other agent's keys
 */
export function createKeyIndex<Entry extends IndexedEntry>(): KeyIndex<Entry> {
  const entries = new Map<string, Entry>();
  /** Group prefix (`a:b:`, or `a:` for keys of two segments) → its keys. */
  const groups = new Map<string, Set<string>>();
  /** First segment (`a:`) → the two-segment groups under it (`a:b:`, `a:c:`). */
  const children = new Map<string, Set<string>>();
  /** When entries expire; a key it gives back may be gone or live again since, and is checked. */
  const expiries = createExpiryQueue();
  /** Group prefix (`a:b:` or `a:`) → every key under it, sorted, and the soonest expiry among them. */
  const sortedUnder = new Map<string, { keys: string[]; allLiveBefore: number }>();
  /** A key joined or left the group `prefix` (under `parent`, for a two-segment group). */
  const changed = (prefix: string, parent: string | null): void => {
    if (sortedUnder.size === 0) return;
    sortedUnder.delete(prefix);
    if (parent !== null) sortedUnder.delete(parent);
  };

  /** The group of `key` whose entry's expiry changed: a kept listing of it may now hold a key that expires sooner. */
  const expiryChanged = (key: string): void => {
    if (sortedUnder.size === 0) return;
    const first = key.indexOf(":");
    if (first === -1) return;
    const second = key.indexOf(":", first + 1);
    changed(
      key.slice(0, (second === -1 ? first : second) + 1),
      second === -1 ? null : key.slice(0, first + 1),
    );
  };

  // Plain loops and one Set per key: this runs on every new key.
  const join = (key: string): void => {
    const first = key.indexOf(":");
    if (first === -1) return;
    const second = key.indexOf(":", first + 1);
    const prefix = key.slice(0, (second === -1 ? first : second) + 1);
    let group = groups.get(prefix);
    if (group === undefined) {
      group = new Set();
      groups.set(prefix, group);
      if (second !== -1) {
        const parent = key.slice(0, first + 1);
        let siblings = children.get(parent);
        if (siblings === undefined) {
          siblings = new Set();
          children.set(parent, siblings);
        }
        siblings.add(prefix);
      }
    }
    group.add(key);
    changed(prefix, second === -1 ? null : key.slice(0, first + 1));
  };
  const leave = (key: string): void => {
    const first = key.indexOf(":");
    if (first === -1) return;
    const second = key.indexOf(":", first + 1);
    const prefix = key.slice(0, (second === -1 ? first : second) + 1);
    const group = groups.get(prefix);
    if (group === undefined) return;
    group.delete(key);
    changed(prefix, second === -1 ? null : key.slice(0, first + 1));
    if (group.size > 0) return;
    groups.delete(prefix); // so prefixes of vanished agents cost no memory
    if (second === -1) return;
    const parent = key.slice(0, first + 1);
    const siblings = children.get(parent);
    siblings?.delete(prefix);
    if (siblings?.size === 0) children.delete(parent);
  };

  /** How many keys the group prefix `prefix` holds, its child groups' included. */
  const countUnder = (prefix: string): number => {
    let count = groups.get(prefix)?.size ?? 0;
    if (prefix.indexOf(":") === prefix.length - 1)
      for (const child of children.get(prefix) ?? NO_KEYS) count += groups.get(child)?.size ?? 0;
    return count;
  };

  /** The keys that may start with `prefix`: everything grouped under its longest indexed `:`-terminated part. */
  function* candidates(prefix: string, end: number): Iterable<string> {
    if (end === 0) return yield* entries.keys();
    const part = prefix.slice(0, end);
    yield* groups.get(part) ?? NO_KEYS;
    if (part.indexOf(":") !== end - 1) return; // a two-segment group holds all its keys
    for (const child of children.get(part) ?? NO_KEYS) yield* groups.get(child) ?? NO_KEYS;
  }

  /**
   * The live keys under `prefix`, sorted: the kept listing itself when it is all live (which callers must not
   * change: `keys` copies it), else a new array. The sorted listing of a group prefix is kept from `keepFrom` keys.
   */
  const listed = (prefix: string, now: number, keepFrom: number): readonly string[] => {
    const isLive = (key: string) => {
      const expiresAt = entries.get(key)!.expiresAt;
      return expiresAt === null || expiresAt > now;
    };
    const end = groupEnd(prefix);
    // A group prefix: its keys (and its child groups') are exactly the keys under `prefix`.
    const exact = end === prefix.length && end > 0;
    const kept = exact ? sortedUnder.get(prefix) : undefined;
    if (kept !== undefined) return now < kept.allLiveBefore ? kept.keys : kept.keys.filter(isLive);
    if (!exact || countUnder(prefix) < keepFrom) {
      const result: string[] = [];
      for (const key of candidates(prefix, end))
        if ((exact || key.startsWith(prefix)) && isLive(key)) result.push(key);
      return result.sort();
    }
    const sorted = [...candidates(prefix, end)].sort();
    let allLiveBefore = Number.POSITIVE_INFINITY;
    for (const key of sorted)
      allLiveBefore = Math.min(allLiveBefore, entries.get(key)!.expiresAt ?? allLiveBefore);
    sortedUnder.set(prefix, { keys: sorted, allLiveBefore });
    return now < allLiveBefore ? sorted : sorted.filter(isLive);
  };

  return {
    get size() {
      return entries.size;
    },
    get: (key) => entries.get(key),
    has: (key) => entries.has(key),
    set(key, entry) {
      const previous = entries.get(key);
      if (previous === undefined) join(key);
      else if (previous.expiresAt !== entry.expiresAt) expiryChanged(key);
      entries.set(key, entry);
      if (entry.expiresAt !== null && entry.expiresAt !== previous?.expiresAt)
        expiries.add(key, entry.expiresAt);
      return previous;
    },
    delete(key) {
      if (!entries.delete(key)) return false;
      leave(key);
      return true;
    },
    entries: () => entries.entries(),
    expired: (now) =>
      expiries.due(now).filter((key) => {
        const expiresAt = entries.get(key)?.expiresAt;
        return expiresAt !== undefined && expiresAt !== null && expiresAt <= now;
      }),
    keys(prefix, now) {
      const keys = listed(prefix, now, SORTED_KEPT_FROM);
      return keys === sortedUnder.get(prefix)?.keys ? keys.slice() : (keys as string[]);
    },
    range(prefix, { from, limit, direction }, now) {
      // Kept once it takes more than a page: a listing read page by page sorts it once. An inbox or a user's agents
      // that fit one page (most, and every empty one polled) keep nothing.
      const keys = listed(prefix, now, Math.min(limit + 1, SORTED_KEPT_FROM));
      if (direction === "up") {
        const start = from === null ? 0 : firstAbove(keys, from, false);
        return keys.slice(start, start + limit);
      }
      const end = from === null ? keys.length : firstAbove(keys, from, true);
      return keys.slice(Math.max(0, end - limit), end).reverse();
    },
    clear() {
      entries.clear();
      groups.clear();
      children.clear();
      sortedUnder.clear();
      expiries.clear();
    },
  };
}
