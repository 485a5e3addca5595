/**
 * A caller's tasks, newest first, without a keyspace scan. The keys `task-owner:<user>:<ulid>:<agentId>` list them
 * on stores that answer a prefix from memory (memory, fs) or natively (Durable Objects). On redis and upstash a
 * prefix is a SCAN of the whole database, and the web page's task list asks every 2 s, so there each user also has
 * a sorted set, `tasks-owned:<user>`, of `<ulid>:<agentId>` (score 0: byte order is time order), read backwards a
 * chunk at a time.
 *
 * The owner key stays the truth (it expires with its finished task); an index entry is a hint, added with the
 * task's first writes. Entries whose task is gone are dropped once they are a minute old (a younger one's task may
 * still be on its way): by a listing that reads them, and, so that a user who never lists does not grow the set
 * forever, by the user's new tasks: every `SWEEP_EVERY`th task a process creates checks `SWEEP_CHECKS` entries of its
 * owner's set, going on from where this process last stopped and wrapping at the end, so the set is swept in turn
 * at twice the rate tasks join it.
 *
 * Deployments with tasks from before the index: the first listing in a process runs ONE pass over `task-owner:`
 * that indexes every key, then sets `meta:task-owner-index`, so no process does it again.
 *
 * Stores whose data lives in this process alone (memory, fs) keep no owner keys: the index is in memory, derived
 * from the task records (`task-owner-local.ts`).
 * @module
 */
import type { SessionStore } from "../session-stores/types.ts";
import { keysUnder } from "../util/keys-under.ts";
import {
  danglingLongEnough,
  type IndexPass,
  inBatches,
  membersOf,
  oncePerDeployment,
} from "../util/sorted-index.ts";
import { createLocalOwnerIndex } from "./task-owner-local.ts";

export const TASK_OWNER_INDEX_PASS: IndexPass = { marker: "meta:task-owner-index", reads: "task-owner:" };
/** Entries read from a sorted set at once. */
const CHUNK = 64;
const SWEEP_EVERY = 8;
const SWEEP_CHECKS = 16;
/** Users whose sweep position a process remembers; past this it starts over (a position is only a hint). */
const SWEEP_POSITIONS_MAX = 10_000;

const setKey = (owner: string) => `tasks-owned:${owner}`;
const ownerPrefix = (owner: string) => `task-owner:${owner}:`;
/** An entry, `<ulid>:<agentId>`: the owner key's last two segments. */
export type TaskOwnerEntry = string;

export interface TaskOwnerIndex {
  /** Whether each task has a `task-owner:` key, the truth of the listing (not on local stores). */
  readonly ownerKeys: boolean;
  /** A new task (with its first writes). */
  add(owner: string, entry: TaskOwnerEntry): Promise<void> | void;
  /** A task whose creation failed. */
  remove(owner: string, entry: TaskOwnerEntry): Promise<void> | void;
  /** The user's entries before `before` (undefined: from the newest), newest first, read as the caller goes. */
  entries(owner: string, before: TaskOwnerEntry | undefined): AsyncGenerator<TaskOwnerEntry>;
  /** A listing found no task for this entry: dropped if it is old enough that none is coming. */
  noTask(owner: string, entry: TaskOwnerEntry, now?: number): Promise<void> | void;
}

export function createTaskOwnerIndex(store: SessionStore, options: { ttlSeconds: number }): TaskOwnerIndex {
  if (store.local) return { ownerKeys: false, ...createLocalOwnerIndex(store, options) };
  const sets = store.sortedSets;
  const sweptTo = new Map<string, string>();
  let created = 0;

  const migrate = oncePerDeployment(store, TASK_OWNER_INDEX_PASS.marker, async () => {
    if (!sets) return;
    await inBatches(await store.keys(TASK_OWNER_INDEX_PASS.reads), (key) => {
      const [, owner, ulid, agentId] = key.split(":") as [string, string, string, string];
      return sets.add(setKey(owner), `${ulid}:${agentId}`, 0);
    });
  });

  /** Checks the next entries of `owner`'s set after this process's last position, dropping those whose task is gone. */
  async function sweep(owner: string): Promise<void> {
    if (!sets) return;
    const from = sweptTo.get(owner) ?? null;
    const entries = await sets.rangeAfter(setKey(owner), from, SWEEP_CHECKS);
    if (sweptTo.size >= SWEEP_POSITIONS_MAX) sweptTo.clear();
    if (entries.length < SWEEP_CHECKS) sweptTo.delete(owner);
    else sweptTo.set(owner, entries[entries.length - 1]!);
    const now = Date.now();
    const candidates = entries.filter((entry) => danglingLongEnough(entry, now));
    const present = await Promise.all(candidates.map((entry) => store.get(`${ownerPrefix(owner)}${entry}`)));
    await Promise.all(
      candidates.map((entry, i) => (present[i] === null ? sets.remove(setKey(owner), entry) : null)),
    );
  }

  return {
    ownerKeys: true,
    async add(owner: string, entry: TaskOwnerEntry): Promise<void> {
      if (!sets) return;
      await sets.add(setKey(owner), entry, 0);
      if (++created % SWEEP_EVERY === 0) await sweep(owner);
    },

    async remove(owner: string, entry: TaskOwnerEntry): Promise<void> {
      if (sets) await sets.remove(setKey(owner), entry);
    },

    async *entries(owner: string, before: TaskOwnerEntry | undefined): AsyncGenerator<TaskOwnerEntry> {
      if (!sets) {
        return yield* keysUnder(store, ownerPrefix(owner), { from: before, chunk: CHUNK, direction: "down" });
      }
      await migrate();
      yield* membersOf(sets, setKey(owner), { from: before, chunk: CHUNK, direction: "down" });
    },

    async noTask(owner: string, entry: TaskOwnerEntry, now = Date.now()): Promise<void> {
      if (sets && danglingLongEnough(entry, now)) await sets.remove(setKey(owner), entry);
    },
  };
}
