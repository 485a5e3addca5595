/**
 * Which tasks of an agent still have to run. The gateway reads this each time the agent connects, so it must cost
 * what the agent has left to run, not everything it ran: an agent's finished tasks (with their results) are kept
 * for the task TTL, a week by default. Listing `task:<agentId>:` and reading every record to find the unfinished
 * ones took 100–350 ms of a core per connect on the fs store, for an agent with 2,000 finished tasks of 20 KB, and a
 * store call per task on Workers. So each store keeps the unfinished ones apart (`task-backlog-places.ts`):
 *
 * - **sorted sets** (redis, upstash, whose `keys` is a SCAN over the whole database): `task-backlog:<agentId>`, the
 *   ulids scored by creation time. Tasks queued before the index existed: ONE scan of `task:` per deployment.
 * - **this process's memory** (memory, fs: `SessionStore.local`): a set of ulids per agent, derived from the
 *   records; nothing more is written (no journal line per task).
 * - **index keys** (cloudflare, whose key listing is a range over a table of keys):
 *   `task-pending:<agentId>:<ulid>`.
 *
 * The last two read an agent's own tasks from before the index once, the first time the agent is listed (in each
 * process for memory; once per store for index keys, and never on a store this version started): what every
 * connect used to cost, paid once. The task record stays the truth: a listing reads each task it names, and an
 * entry whose task ended or expired is dropped then.
 * @module
 */
import type { SessionStore } from "../session-stores/types.ts";
import { letOthersRun } from "../util/let-others-run.ts";
import type { IndexPass } from "../util/sorted-index.ts";
import {
  keyedPlace,
  memoryPlace,
  PENDING_KEYS_PASS,
  type PendingPlace,
  sortedSetPlace,
} from "./task-backlog-places.ts";
import type { TaskRecord } from "./tasks.ts";

export { PENDING_KEYS_PASS };
export const BACKLOG_INDEX_PASS: IndexPass = { marker: "meta:task-backlog-index", reads: "task:" };

/** Records read at once by an agent's first look (a value may hold a 4 MB result). */
const FIRST_LOOK_CHUNK = 16;

const ulidOf = (task: Pick<TaskRecord, "id">) => task.id.slice(task.id.indexOf(".") + 1);
const createdAtOf = (task: Pick<TaskRecord, "created_at">) => Date.parse(task.created_at) || 0;
const taskKey = (agentId: string, ulid: string) => `task:${agentId}:${ulid}`;

export function createBacklogIndex(store: SessionStore) {
  const place: PendingPlace = store.sortedSets
    ? sortedSetPlace(store, store.sortedSets, BACKLOG_INDEX_PASS, isPending)
    : store.local
      ? memoryPlace()
      : keyedPlace(store);
  /** Agents whose first look runs now, so concurrent listings share it. */
  const looking = new Map<string, Promise<void>>();

  /** Adds the agent's unfinished tasks stored before the index knew them, then says so. */
  async function firstLook(agentId: string, look: NonNullable<PendingPlace["firstLook"]>): Promise<void> {
    try {
      const keys = await store.keys(`task:${agentId}:`);
      for (let i = 0; i < keys.length; i += FIRST_LOOK_CHUNK) {
        if (i > 0) await letOthersRun();
        const tasks = await store.getMany<TaskRecord>(keys.slice(i, i + FIRST_LOOK_CHUNK));
        await Promise.all(
          tasks.map((task) =>
            task && isPending(task) ? place.add(agentId, ulidOf(task), createdAtOf(task)) : null,
          ),
        );
      }
      await look.mark(agentId);
    } finally {
      looking.delete(agentId);
    }
  }

  /**
   * Settles once the agent's first look is done (concurrent listings share one); undefined when it is known done,
   * so a listing after it (every later connect) waits for nothing.
   */
  function lookedAt(agentId: string): Promise<void> | undefined {
    const look = place.firstLook;
    if (look === undefined) return undefined;
    const done = look.done(agentId);
    if (done === true) return undefined;
    if (done === false) return lookRunning(agentId, look);
    return done.then((isDone) => (isDone ? undefined : lookRunning(agentId, look)));
  }

  function lookRunning(agentId: string, look: NonNullable<PendingPlace["firstLook"]>): Promise<void> {
    let running = looking.get(agentId);
    if (running === undefined) {
      running = firstLook(agentId, look);
      looking.set(agentId, running);
    }
    return running;
  }

  return {
    /** The task may run (created, continued, re-queued): keep it in its agent's backlog. */
    async track(task: TaskRecord): Promise<void> {
      await place.add(task.agent_id, ulidOf(task), createdAtOf(task));
    },
    /** The task ended. */
    async untrack(task: TaskRecord): Promise<void> {
      await place.remove(task.agent_id, ulidOf(task));
      // Completed, failed and canceled are final: nothing can make the task pending again (one store read less
      // per task on Workers and Redis). Otherwise (an input-required turn, or a create that failed) look again.
      if (task.status === "completed" || task.status === "failed" || task.status === "canceled") return;
      // Continued since (another node saved its next turn and tracked it before this removal): put it back.
      const now = await store.get<TaskRecord>(taskKey(task.agent_id, ulidOf(task)));
      if (now !== null && isPending(now)) await place.add(now.agent_id, ulidOf(now), createdAtOf(now));
    },
    /** Store keys of the agent's possibly unfinished tasks, oldest first. */
    async keysOf(agentId: string): Promise<string[]> {
      const looked = lookedAt(agentId);
      if (looked !== undefined) await looked;
      return (await place.list(agentId)).map((ulid) => taskKey(agentId, ulid));
    },
    /** Drops entries whose task ended or expired (a save that could not update the index, an old entry). */
    async prune(agentId: string, keys: string[], tasks: Array<TaskRecord | null>): Promise<void> {
      const stale = keys.filter((_, i) => tasks[i] === null || !isPending(tasks[i]!));
      await Promise.all(
        stale.map(async (key) => {
          // Read again: a task continued since the listing is pending again and must stay.
          const now = await store.get<TaskRecord>(key);
          if (now === null || !isPending(now))
            await place.remove(agentId, key.slice(key.lastIndexOf(":") + 1));
        }),
      );
    },
  };
}

function isPending(task: TaskRecord): boolean {
  return task.status === "submitted" || task.status === "working";
}
