/**
 * A turn's ending wins over writes that raced it: a start or a re-queue that read the task before another node
 * saved the ending writes it back as working / submitted; the runner finds the recorded ending afterwards and puts
 * it back, and sends nothing. Real task service and runner on the memory store.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../gateway/src/config.ts";
import { createTaskService, type TaskRecord } from "../../gateway/src/domain/tasks.ts";
import { createTaskRunner } from "../../gateway/src/relay/task-runner.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import { waitFor } from "../helpers/wait.ts";

function setup() {
  const tasks = createTaskService(memorySessionStore({}), { ttlSeconds: 3600 });
  const errors: unknown[] = [];
  const runner = createTaskRunner({
    tasks,
    secret: async () => "secret",
    maxAttempts: 3,
    onError: (error) => errors.push(error),
  });
  const create = () =>
    tasks.create({
      agent_id: "ag_0123456789abcdef",
      agent_name: "worker",
      owner: "user-1",
      session_id: "s1",
      client_id: "c1",
      message: "do it",
    } as Parameters<typeof tasks.create>[0]);
  return { tasks, runner, errors, create };
}

describe("task endings", () => {
  it("a start that read the task before another node saved its ending puts the ending back and sends nothing", async () => {
    const { tasks, runner, errors, create } = setup();
    const task = await create();
    const pending = await runner.start(task.id, DEFAULT_CONFIG, () => false);
    expect(pending).not.toBeNull();
    const stale = (await tasks.get(task.id)) as TaskRecord; // what a second node read: working, attempt 1
    pending!.done({ type: "done", id: pending!.call.requestId, seq: 1, result: "finished" });
    await waitFor(async () => (await tasks.get(task.id))?.status === "completed", {
      what: "the ending saved",
    });
    await tasks.save(stale); // that node's start lands after the ending: the task looks working again
    // A later start on that node's queue reads the stale state; it must not run the turn again.
    expect(await runner.start(task.id, DEFAULT_CONFIG, () => false)).toBeNull();
    expect(await tasks.get(task.id)).toMatchObject({ status: "completed", result: "finished" });
    expect(errors).toEqual([]);
  });

  it("a re-queue racing the ending leaves the task ended", async () => {
    const { tasks, runner, create } = setup();
    const task = await create();
    const first = await runner.start(task.id, DEFAULT_CONFIG, () => false);
    first!.done({ type: "done", id: first!.call.requestId, seq: 1, result: "ok" });
    await waitFor(async () => (await tasks.get(task.id))?.status === "completed", {
      what: "the ending saved",
    });
    const stale = { ...(await tasks.get(task.id))!, status: "working" as const, result: undefined };
    await tasks.save(stale);
    await runner.requeue(first!); // the agent's node gave up on it just as it ended elsewhere
    expect(await tasks.get(task.id)).toMatchObject({ status: "completed", result: "ok" });
  });

  it("of two nodes ending the same turn, the first ending is the one kept", async () => {
    const { tasks, runner, create } = setup();
    const task = await create();
    const started = (await tasks.get(task.id))!;
    const a = await runner.start(task.id, DEFAULT_CONFIG, () => false);
    const b = await runner.reattach(started.agent_id, a!.call.requestId, DEFAULT_CONFIG);
    a!.done({ type: "done", id: a!.call.requestId, seq: 2, result: "from a" });
    await waitFor(async () => (await tasks.get(task.id))?.status === "completed", { what: "a's ending" });
    await tasks.save({ ...(await tasks.get(task.id))!, status: "working" }); // b read it before a saved
    b!.fail("agent_offline", "lost on b");
    await waitFor(async () => (await tasks.get(task.id))?.status !== "working", { what: "b's ending" });
    expect(await tasks.get(task.id)).toMatchObject({ status: "completed", result: "from a" });
  });
});
