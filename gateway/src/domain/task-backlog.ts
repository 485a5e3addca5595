/**
 * Which tasks of an agent still have to run, without a keyspace scan. On stores with native sorted sets (redis,
 * upstash, whose `keys` is a SCAN over the whole database) each agent has `task-backlog:<agentId>`: the ulids of its
 * submitted and working tasks, scored by creation time. Other stores list `task:<agentId>:` from their in-memory
 * prefix index, which already costs only the size of the answer.
 *
 * Deployments that queued tasks before the index existed: the first listing in a process runs ONE scan of `task:`
 * that adds every unfinished task to its agent's index, then sets `meta:task-backlog-index` so no process scans again.
 * @module
 */
import type { SessionStore } from "../session-stores/types.ts";
import { type IndexPass, inBatches, oncePerDeployment } from "../util/sorted-index.ts";
import type { TaskRecord } from "./tasks.ts";

export const BACKLOG_INDEX_PASS: IndexPass = { marker: "meta:task-backlog-index", reads: "task:" };
const indexOf = (agentId: string) => `task-backlog:${agentId}`;
const ulidOf = (task: Pick<TaskRecord, "id">) => task.id.slice(task.id.indexOf(".") + 1);
const scoreOf = (task: Pick<TaskRecord, "created_at">) => Date.parse(task.created_at) || 0;

export function createBacklogIndex(store: SessionStore) {
  const sets = store.sortedSets;
  /** Indexes tasks queued before this version, once per deployment. */
  const migrate = oncePerDeployment(store, BACKLOG_INDEX_PASS.marker, async () => {
    if (!sets) return;
    await inBatches(await store.keys(BACKLOG_INDEX_PASS.reads), async (key) => {
      const task = await store.get<TaskRecord>(key);
      if (task && isPending(task)) await sets.add(indexOf(task.agent_id), ulidOf(task), scoreOf(task));
    });
  });

  return {
    /** The task may run (created, continued, re-queued): keep it in its agent's backlog. */
    async track(task: TaskRecord): Promise<void> {
      if (sets) await sets.add(indexOf(task.agent_id), ulidOf(task), scoreOf(task));
    },
    /** The task ended. */
    async untrack(task: TaskRecord): Promise<void> {
      if (!sets) return;
      await sets.remove(indexOf(task.agent_id), ulidOf(task));
      // Continued since (another node saved its next turn and tracked it before this removal): put it back.
      const now = await store.get<TaskRecord>(`task:${task.agent_id}:${ulidOf(task)}`);
      if (now !== null && isPending(now)) await sets.add(indexOf(task.agent_id), ulidOf(now), scoreOf(now));
    },
    /** Store keys of the agent's possibly unfinished tasks, oldest first. */
    async keysOf(agentId: string): Promise<string[]> {
      if (!sets) return store.keys(`task:${agentId}:`);
      await migrate();
      return (await sets.range(indexOf(agentId))).map((ulid) => `task:${agentId}:${ulid}`);
    },
    /** Drops index entries whose task ended or expired (a save that could not update the index, an old entry). */
    async prune(agentId: string, keys: string[], tasks: Array<TaskRecord | null>): Promise<void> {
      if (!sets) return;
      const stale = keys.filter((_, i) => tasks[i] === null || !isPending(tasks[i]!));
      await Promise.all(
        stale.map(async (key) => {
          // Read again: a task continued since the listing is pending again and must stay.
          const now = await store.get<TaskRecord>(key);
          if (now === null || !isPending(now))
            await sets.remove(indexOf(agentId), key.slice(key.lastIndexOf(":") + 1));
        }),
      );
    },
  };
}

function isPending(task: TaskRecord): boolean {
  return task.status === "submitted" || task.status === "working";
}
