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
 * @module
 */

export interface KeyIndex<Entry> {
  readonly size: number;
  get(key: string): Entry | undefined;
  has(key: string): boolean;
  /** Adds or replaces the entry of `key`; returns the entry it replaced (entries are never `undefined`). */
  set(key: string, entry: Entry): Entry | undefined;
  /** Removes `key`; returns whether it was there. */
  delete(key: string): boolean;
  entries(): IterableIterator<[string, Entry]>;
  /**
   * Keys starting with `prefix` whose entry passes `isLive`, sorted ascending. A `:`-terminated prefix of one or two
   * segments is one group lookup; any other prefix scans only the group of its longest indexed `:`-terminated part
   * (all keys when it has none).
   */
  keys(prefix: string, isLive: (entry: Entry) => boolean): string[];
  clear(): void;
}

const NO_KEYS: ReadonlySet<string> = new Set();
/** Ancestor prefixes a key is grouped under (see the module comment). */
const GROUP_DEPTH = 2;

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
 * const index = createKeyIndex<number>();
 * index.set("task:a1:01J", 0);
 * index.keys("task:a1:", () => true); // ["task:a1:01J"], without looking at any other agent's keys
 */
export function createKeyIndex<Entry>(): KeyIndex<Entry> {
  const entries = new Map<string, Entry>();
  /** Group prefix (`a:b:`, or `a:` for keys of two segments) → its keys. */
  const groups = new Map<string, Set<string>>();
  /** First segment (`a:`) → the two-segment groups under it (`a:b:`, `a:c:`). */
  const children = new Map<string, Set<string>>();

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
  };
  const leave = (key: string): void => {
    const first = key.indexOf(":");
    if (first === -1) return;
    const second = key.indexOf(":", first + 1);
    const prefix = key.slice(0, (second === -1 ? first : second) + 1);
    const group = groups.get(prefix);
    if (group === undefined) return;
    group.delete(key);
    if (group.size > 0) return;
    groups.delete(prefix); // so prefixes of vanished agents cost no memory
    if (second === -1) return;
    const parent = key.slice(0, first + 1);
    const siblings = children.get(parent);
    siblings?.delete(prefix);
    if (siblings?.size === 0) children.delete(parent);
  };

  /** The keys that may start with `prefix`: everything grouped under its longest indexed `:`-terminated part. */
  function* candidates(prefix: string, end: number): Iterable<string> {
    if (end === 0) return yield* entries.keys();
    const part = prefix.slice(0, end);
    yield* groups.get(part) ?? NO_KEYS;
    if (part.indexOf(":") !== end - 1) return; // a two-segment group holds all its keys
    for (const child of children.get(part) ?? NO_KEYS) yield* groups.get(child) ?? NO_KEYS;
  }

  return {
    get size() {
      return entries.size;
    },
    get: (key) => entries.get(key),
    has: (key) => entries.has(key),
    set(key, entry) {
      const previous = entries.get(key);
      if (previous === undefined) join(key);
      entries.set(key, entry);
      return previous;
    },
    delete(key) {
      if (!entries.delete(key)) return false;
      leave(key);
      return true;
    },
    entries: () => entries.entries(),
    keys(prefix, isLive) {
      const end = groupEnd(prefix);
      const exact = end === prefix.length && end > 0; // the group is exactly the keys under `prefix`
      const result: string[] = [];
      for (const key of candidates(prefix, end)) {
        if ((exact || key.startsWith(prefix)) && isLive(entries.get(key)!)) result.push(key);
      }
      return result.sort();
    },
    clear() {
      entries.clear();
      groups.clear();
      children.clear();
    },
  };
}
