/**
 * A task's owner listing key (what `GET /v1/tasks` reads) lives as long as the task: it gets the finished-task TTL
 * when the task ends or waits for input, and loses it again when an input-required task is continued, so a
 * continued task that runs longer than the TTL stays in its caller's list.
 */
import { describe, expect, it } from "vitest";
import { createTaskService } from "../../gateway/src/domain/tasks.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";

const fields = (message: string) => ({
  agent_id: "ag_00000000000000d4",
  agent_name: "a",
  owner: "alice",
  session_id: "s",
  client_id: "c",
  message,
});
const listed = async (tasks: ReturnType<typeof createTaskService>) =>
  (await tasks.listOf("alice", { limit: 10 })).tasks.map((task) => task.message).sort();

describe("task owner listing and the finished-task TTL", () => {
  it("keeps a continued task listed past the TTL; a finished one leaves with it", async () => {
    const store = memorySessionStore({});
    const tasks = createTaskService(store, { ttlSeconds: 1 });
    const continued = await tasks.create(fields("continued"));
    const finished = await tasks.create(fields("finished"));
    await tasks.update(continued.id, (t) => ({ ...t, status: "input-required", result: "which one?" }));
    await tasks.update(finished.id, (t) => ({ ...t, status: "completed", result: "done" }));
    await tasks.update(continued.id, (t) => tasks.nextTurn(t, "this one"));
    await tasks.update(continued.id, (t) => ({ ...t, status: "working" }));
    expect(await listed(tasks)).toEqual(["finished", "this one"]);

    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect(await listed(tasks)).toEqual(["this one"]);
    expect((await tasks.get(continued.id))?.status).toBe("working");
    await store.dispose();
  });
});
