/**
 * A caller's tasks, newest first, on stores whose data lives in this process alone (`SessionStore.local`: memory,
 * fs). The index is derived from the task records and kept in memory, so a task writes no `task-owner:` key: on the
 * fs store that is a journal line and a stored entry less when a task is created, and a line less when it ends (a
 * queued task: 654 bytes of heap against 907, 422 bytes of journal against 499; docs/storage.md).
 *
 * - Each owner's entries, `<ulid>:<agentId>`, are a sorted array (byte order is time order); new tasks come in time
 *   order, so adding one appends it.
 * - The first listing in a process reads every task once (`task:`): those stored before it started, including tasks
 *   of versions that wrote owner keys. Tasks added meanwhile go in as usual; the pass merges around them.
 * - The task record is the truth (a listing reads it and checks its owner). An entry whose task is gone is dropped
 *   when a listing meets it, and by a sweep that runs at most once a minute, started by a new task: a task is kept
 *   `ttlSeconds` after it ends, so only entries older than that can have lost their task, and the sweep checks those,
 *   going on from where the last one stopped, at least twice as many as were added since.
 * @module
 */
import type { SessionStore } from "../session-stores/types.ts";
import { timeOfOrderedId } from "../util/ids.ts";
import { letOthersRun } from "../util/let-others-run.ts";
import { firstAfter, firstWhere } from "../util/pages.ts";
import { danglingLongEnough } from "../util/sorted-index.ts";

/** Records read at once by the first listing's pass and by a sweep. */
const CHUNK = 256;
const SWEEP_EVERY_MS = 60_000;
/** Entries a sweep may check, at least (more when more tasks were added since the last one). */
const SWEEP_MIN_CHECKS = 1024;

export interface LocalOwnerIndexOptions {
  /** How long a finished task is kept: an entry younger than this cannot have lost its task. */
  ttlSeconds: number;
  /** Tests: how often a new task may start a sweep. */
  sweepEveryMs?: number;
}

const taskKeyOf = (entry: string): string => {
  const colon = entry.indexOf(":");
  return `task:${entry.slice(colon + 1)}:${entry.slice(0, colon)}`;
};

/** The entry of a task key `task:<agentId>:<ulid>`, or null for a key of another shape. */
const entryOfKey = (key: string): string | null => {
  const [, agentId, ulid, extra] = key.split(":");
  return agentId && ulid && extra === undefined ? `${ulid}:${agentId}` : null;
};

/** The first index of sorted `list` whose item is not below `item`. */
const lowerBound = (list: readonly string[], item: string) => firstWhere(list, (x) => x >= item);

export function createLocalOwnerIndex(store: SessionStore, options: LocalOwnerIndexOptions) {
  const ttlMs = options.ttlSeconds * 1000;
  const sweepEveryMs = options.sweepEveryMs ?? SWEEP_EVERY_MS;
  const byOwner = new Map<string, string[]>();
  let loaded: Promise<void> | null = null;
  /** The sweep running now, if any. */
  let sweeping: Promise<void> | null = null;
  let nextSweepAt = Date.now() + sweepEveryMs;
  let addedSinceSweep = 0;
  /** Where the last sweep stopped: the owner, and the last entry of theirs it checked. */
  let sweptTo: { owner: string; entry: string } | null = null;

  function insert(owner: string, entry: string): void {
    const list = byOwner.get(owner);
    if (list === undefined) byOwner.set(owner, [entry]);
    else if (list.length === 0 || entry > list[list.length - 1]!) list.push(entry);
    else {
      const at = lowerBound(list, entry);
      if (list[at] !== entry) list.splice(at, 0, entry);
    }
  }

  function drop(owner: string, entry: string): void {
    const list = byOwner.get(owner);
    if (list === undefined) return;
    const at = lowerBound(list, entry);
    if (list[at] !== entry) return;
    list.splice(at, 1);
    if (list.length === 0) byOwner.delete(owner);
  }

  /** Indexes every task stored before this process began indexing (see the module comment). */
  function load(): Promise<void> {
    loaded ??= (async () => {
      const keys = await store.keys("task:");
      const found = new Map<string, string[]>();
      for (let i = 0; i < keys.length; i += CHUNK) {
        if (i > 0) await letOthersRun();
        const chunk = keys.slice(i, i + CHUNK);
        const records = await store.getMany<{ owner?: unknown }>(chunk);
        records.forEach((record, j) => {
          const entry = entryOfKey(chunk[j]!);
          if (entry === null || typeof record?.owner !== "string") return;
          const list = found.get(record.owner);
          if (list === undefined) found.set(record.owner, [entry]);
          else list.push(entry);
        });
      }
      // One sort per owner, with what was added while the pass read: inserting one by one would move the array
      // once per task.
      for (const [owner, entries] of found) {
        const merged = [...(byOwner.get(owner) ?? []), ...entries].sort();
        byOwner.set(
          owner,
          merged.filter((entry, i) => i === 0 || entry !== merged[i - 1]),
        );
      }
    })().catch((error: unknown) => {
      loaded = null; // the next listing tries again
      throw error;
    });
    return loaded;
  }

  /** Checks old entries for tasks gone (see the module comment); runs in the background of a new task. */
  async function sweep(now: number): Promise<void> {
    try {
      await load();
      let budget = Math.max(SWEEP_MIN_CHECKS, 2 * addedSinceSweep);
      addedSinceSweep = 0;
      const made = now - ttlMs;
      const owners = [...byOwner.keys()];
      const start = sweptTo === null ? 0 : Math.max(0, owners.indexOf(sweptTo.owner));
      for (let n = 0; n < owners.length && budget > 0; n++) {
        const owner = owners[(start + n) % owners.length]!;
        let after = sweptTo?.owner === owner ? sweptTo.entry : null;
        sweptTo = null;
        for (;;) {
          // Positions are found again after every read: listings and new tasks change the array meanwhile.
          const list = byOwner.get(owner) ?? [];
          const from = after === null ? 0 : firstAfter(list, after);
          const old = firstWhere(list, (x) => !(timeOfOrderedId(x) < made));
          const to = Math.min(old, from + Math.min(CHUNK, budget));
          if (from >= to) break;
          const chunk = list.slice(from, to);
          budget -= chunk.length;
          after = chunk[chunk.length - 1]!;
          await letOthersRun();
          const records = await store.getMany(chunk.map(taskKeyOf));
          chunk.forEach((entry, i) => {
            if (records[i] === null) drop(owner, entry);
          });
          if (budget <= 0) {
            sweptTo = { owner, entry: after };
            break;
          }
        }
      }
    } catch {
      // The store is failing; the next sweep (or a listing) tries again.
    } finally {
      sweeping = null;
    }
  }

  return {
    /** A new task (with its first writes, which put its record in memory before this runs). */
    add(owner: string, entry: string): void {
      insert(owner, entry);
      addedSinceSweep += 1;
      const now = Date.now();
      if (now < nextSweepAt || sweeping !== null) return;
      nextSweepAt = now + sweepEveryMs;
      sweeping = sweep(now);
    },

    /** A task whose creation failed. */
    remove(owner: string, entry: string): void {
      drop(owner, entry);
    },

    /** The owner's entries before `before` (undefined: from the newest), newest first, read as the caller goes. */
    async *entries(owner: string, before: string | undefined): AsyncGenerator<string> {
      await load();
      // Found again by value at every step: the array may change while the caller reads the records.
      for (let bound = before; ; ) {
        const list = byOwner.get(owner);
        if (list === undefined) return;
        const at = (bound === undefined ? list.length : lowerBound(list, bound)) - 1;
        if (at < 0) return;
        bound = list[at]!;
        yield bound;
      }
    },

    /** A listing found no task for this entry: dropped unless it is so young its task may still be on its way. */
    noTask(owner: string, entry: string, now = Date.now()): void {
      if (danglingLongEnough(entry, now)) drop(owner, entry);
    },

    /** Tests: resolves once the sweep running now (if any) is done. */
    async swept(): Promise<void> {
      await sweeping;
    },

    /** Entries held (tests: that a sweep dropped those of expired tasks). */
    size(): number {
      let total = 0;
      for (const list of byOwner.values()) total += list.length;
      return total;
    },
  };
}
