/**
 * Where each store keeps the unfinished tasks of an agent (see `task-backlog.ts`): the entries are task ulids; the
 * task record stays the truth.
 * @module
 */
import type { SessionStore, SortedSets } from "../session-stores/types.ts";
import { type IndexPass, inBatches, oncePerDeployment } from "../util/sorted-index.ts";
import type { TaskRecord } from "./tasks.ts";

export interface PendingPlace {
  add(agentId: string, ulid: string, createdAt: number): Promise<void>;
  remove(agentId: string, ulid: string): Promise<void>;
  /** The ulids of the agent's entries, oldest first (in memory: at once, no promise). */
  list(agentId: string): string[] | Promise<string[]>;
  /**
   * Present where the agent's tasks from before the place knew them are read once, the first time it is listed:
   * whether that was done (false: it is about to be), and recording that it was. In memory both answer at once: a
   * connect pays no promise for them.
   */
  firstLook?: {
    done(agentId: string): boolean | Promise<boolean>;
    mark(agentId: string): void | Promise<void>;
  };
}

/** Redis and upstash: a sorted set per agent, filled for older tasks by one scan per deployment. */
export function sortedSetPlace(
  store: SessionStore,
  sets: SortedSets,
  pass: IndexPass,
  isPending: (task: TaskRecord) => boolean,
): PendingPlace {
  const indexOf = (agentId: string) => `task-backlog:${agentId}`;
  const migrate = oncePerDeployment(store, pass.marker, async () => {
    await inBatches(await store.keys(pass.reads), async (key) => {
      const task = await store.get<TaskRecord>(key);
      if (task && isPending(task))
        await sets.add(
          indexOf(task.agent_id),
          key.slice(key.lastIndexOf(":") + 1),
          Date.parse(task.created_at) || 0,
        );
    });
  });
  return {
    add: (agentId, ulid, createdAt) => sets.add(indexOf(agentId), ulid, createdAt),
    remove: (agentId, ulid) => sets.remove(indexOf(agentId), ulid),
    async list(agentId) {
      await migrate();
      return sets.range(indexOf(agentId));
    },
  };
}

/**
 * Memory and fs, whose data only this process writes: a set per agent with unfinished tasks, in memory. Ulids are
 * time-ordered, so sorting them gives the oldest first. An agent this process has not listed yet keeps no entries:
 * its first look reads them from the store, so a fleet's queued tasks cost no memory here until their agents
 * connect (a task queued while that look runs is kept, as the look may have listed the keys before it).
 */
export function memoryPlace(): PendingPlace {
  const byAgent = new Map<string, Set<string>>();
  const looks = new Map<string, "running" | "done">();
  return {
    async add(agentId, ulid) {
      if (!looks.has(agentId)) return;
      const entries = byAgent.get(agentId);
      if (entries === undefined) byAgent.set(agentId, new Set([ulid]));
      else entries.add(ulid);
    },
    async remove(agentId, ulid) {
      const entries = byAgent.get(agentId);
      if (entries?.delete(ulid) && entries.size === 0) byAgent.delete(agentId);
    },
    list(agentId) {
      const entries = byAgent.get(agentId);
      return entries === undefined ? [] : [...entries].sort();
    },
    firstLook: {
      done(agentId) {
        if (looks.get(agentId) === "done") return true;
        looks.set(agentId, "running");
        return false;
      },
      mark: (agentId) => void looks.set(agentId, "done"),
    },
  };
}

/**
 * Set at the first boot of a store (`skipIndexPassesOnNewStore`): every task in it has its index key, so no agent's
 * first look is needed.
 */
export const PENDING_KEYS_PASS: IndexPass = { marker: "meta:task-pending-index", reads: "task:" };

/**
 * Cloudflare: a key per unfinished task, `task-pending:<agentId>:<ulid>`; listing a prefix reads the store object's
 * table of keys, no values. An agent of an older store is looked at once (marked by `meta:task-pending-looked:<id>`),
 * by whichever instance lists it first: a pass per deployment would be run by every agent's Durable Object at once.
 */
export function keyedPlace(store: SessionStore): PendingPlace {
  const entryPrefix = (agentId: string) => `task-pending:${agentId}:`;
  const lookedKey = (agentId: string) => `meta:task-pending-looked:${agentId}`;
  /** Agents known looked at, so a connect reads no marker again. */
  const looked = new Set<string>();
  let storeIndexed: Promise<boolean> | null = null;
  return {
    add: (agentId, ulid) => store.set(`${entryPrefix(agentId)}${ulid}`, 1),
    remove: (agentId, ulid) => store.delete(`${entryPrefix(agentId)}${ulid}`),
    async list(agentId) {
      const prefix = entryPrefix(agentId);
      return (await store.keys(prefix)).map((key) => key.slice(prefix.length));
    },
    firstLook: {
      async done(agentId) {
        if (looked.has(agentId)) return true;
        storeIndexed ??= store.get(PENDING_KEYS_PASS.marker).then(
          (marker) => marker !== null,
          (error: unknown) => {
            storeIndexed = null;
            throw error;
          },
        );
        if (!(await storeIndexed) && (await store.get(lookedKey(agentId))) === null) return false;
        looked.add(agentId);
        return true;
      },
      async mark(agentId) {
        await store.set(lookedKey(agentId), new Date().toISOString());
        looked.add(agentId);
      },
    },
  };
}
