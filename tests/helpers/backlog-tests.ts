/**
 * What the task-backlog suites share (tests/session-stores and tests/cloudflare): the fields of a new task, and a
 * store that records the task records it hands out. No Node imports, so the workerd suites use it too.
 */
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";

/** The fields `TaskService.create` takes, for a task of `agentId`. */
export const taskFields = (agentId: string, message: string) => ({
  agent_id: agentId,
  agent_name: "a",
  owner: "alice",
  session_id: "s",
  client_id: "c",
  message,
});

/** `store`, recording the keys of the task records (`task:`) it hands out by `get` and `getMany`: what a backlog costs. */
export function countingTaskReads(store: SessionStore): { store: SessionStore; reads: string[] } {
  const reads: string[] = [];
  const note = (key: string) => {
    if (key.startsWith("task:")) reads.push(key);
  };
  return {
    store: {
      ...store,
      get: (key) => {
        note(key);
        return store.get(key);
      },
      getMany: (keys) => {
        keys.forEach(note);
        return store.getMany(keys);
      },
    },
    reads,
  };
}
