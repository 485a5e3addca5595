/**
 * When the keys of the memory and fs stores expire, soonest first (a binary min-heap over two parallel arrays), so
 * a sweep visits the keys that are due instead of every key: walking a store of 1,000,000 keys held the event loop
 * for 20–150 ms (Node 20, `bench/store-sweep.ts`), once a minute, and once a second while the fs store is at its
 * size limit, when expired entries are dropped as soon as they may be.
 *
 * The queue is not told when a key is deleted or written again: the key index (`KeyIndex.expired`, `_key-index.ts`)
 * adds the key again whenever its expiry changes, and checks each key it gets back from `due` against its entry as
 * it is now (gone, live again, or expired). So every entry that expires has an item at its expiry time, and stale
 * items leave as their time passes.
 * @module
 */

export interface ExpiryQueue {
  readonly size: number;
  /** `key` expires at `at` (epoch ms). */
  add(key: string, at: number): void;
  /** Takes out every item whose time is at or before `now` and returns their keys, soonest first. */
  due(now: number): string[];
  clear(): void;
}

export function createExpiryQueue(): ExpiryQueue {
  const times: number[] = [];
  const keys: string[] = [];

  /** Puts `key` at `at` in the hole at `slot`, moving it up past later parents. */
  const siftUp = (slot: number, at: number, key: string): void => {
    let i = slot;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= at) break;
      times[i] = times[parent]!;
      keys[i] = keys[parent]!;
      i = parent;
    }
    times[i] = at;
    keys[i] = key;
  };

  /** Removes the soonest item: the last one fills the root's hole and moves down past sooner children. */
  const takeFirst = (): void => {
    const at = times.pop()!;
    const key = keys.pop()!;
    const size = times.length;
    if (size === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && times[child + 1]! < times[child]!) child++;
      if (times[child]! >= at) break;
      times[i] = times[child]!;
      keys[i] = keys[child]!;
      i = child;
    }
    times[i] = at;
    keys[i] = key;
  };

  return {
    get size() {
      return times.length;
    },
    add(key, at) {
      times.push(at);
      keys.push(key);
      siftUp(times.length - 1, at, key);
    },
    due(now) {
      const found: string[] = [];
      while (times.length > 0 && times[0]! <= now) {
        found.push(keys[0]!);
        takeFirst();
      }
      return found;
    },
    clear() {
      times.length = 0;
      keys.length = 0;
    },
  };
}
