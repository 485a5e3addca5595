/**
 * A durable task is several writes (its record; its owner listing key, except on memory and fs; on Redis its backlog
 * entry). When the store refuses one of them (a Redis at its maxmemory, a journal that stopped), the caller is told
 * the task was not taken, so nothing of it may stay behind: a record without its backlog entry would be a task that
 * never runs.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createTaskService } from "../../gateway/src/domain/tasks.ts";
import { StoreError } from "../../gateway/src/session-stores/_errors.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import { redisSessionStore } from "../../gateway/src/session-stores/redis.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { redisForFile } from "../helpers/store-harness.ts";

const redis = await redisForFile();
const opened: SessionStore[] = [];
afterAll(async () => {
  for (const store of opened) await store.dispose();
});

type Backend = "memory" | "a store with owner keys" | "redis";

/**
 * A store refusing every `set` of a key that starts with `refused`: memory (no owner keys), memory without `local`
 * (owner keys, as on Durable Objects), or Redis (owner keys, and backlog sorted sets).
 */
function refusing(backend: Backend, refused: string): SessionStore {
  const store =
    backend === "redis"
      ? redisSessionStore({ url: redis!.url, prefix: `refused-${Math.random().toString(36).slice(2)}:` })
      : memorySessionStore({});
  opened.push(store);
  return {
    ...store,
    local: backend === "memory",
    set: (key, value, options) =>
      key.startsWith(refused)
        ? Promise.reject(new StoreError("store_full", "the session store (test) is full"))
        : store.set(key, value, options),
  };
}

const fields = {
  agent_id: "ag_00000000000000d4",
  agent_name: "a",
  owner: "alice",
  session_id: "s",
  client_id: "c",
  message: "hello",
};

describe("a task whose writes the store refuses in part", () => {
  const backends: Backend[] = ["memory", "a store with owner keys", ...(redis ? (["redis"] as const) : [])];
  for (const backend of backends) {
    for (const refused of backend === "memory" ? ["task:"] : ["task-owner:", "task:"]) {
      it(`leaves nothing behind on ${backend} when the store refuses ${refused} keys`, async () => {
        const store = refusing(backend, refused);
        const tasks = createTaskService(store, { ttlSeconds: 60 });
        await expect(tasks.create(fields)).rejects.toMatchObject({ code: "store_full" });
        expect(await store.keys("")).toEqual([]);
        expect((await tasks.listOf("alice", { limit: 10 })).tasks).toEqual([]);
        // On Redis the backlog entry too (a sorted set, which `keys` lists as one key when it has members).
        if (store.sortedSets)
          expect(await store.sortedSets.range(`task-backlog:${fields.agent_id}`)).toEqual([]);
      });
    }
  }
});
