/**
 * A store that records the task records it hands out (`task:` keys read by `get` and `getMany`): what an agent's
 * backlog costs. No Node imports, so the workerd suites use it too.
 */
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";

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
