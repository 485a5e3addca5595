/**
 * A caller following a durable task (a `/v1` task stream, A2A SubscribeToTask or a blocking SendMessage) whose
 * gateway cannot read the store for a moment (a Redis blip) keeps following: the task runs on, so the caller gets
 * its chunks and its real ending, not a failure of its own. Only a store that stays away ends the follow.
 */
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "../../gateway/src/domain/tasks.ts";
import { StoreError } from "../../gateway/src/session-stores/_errors.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { connectInProcessAgent, inProcessGateway } from "../helpers/in-process-gateway.ts";
import { waitFor } from "../helpers/wait.ts";

/** A memory store whose next `n` reads of task records fail as an unreachable Redis's would. */
function blinkingStore() {
  const inner = memorySessionStore({});
  let failing = 0;
  const store: SessionStore = {
    ...inner,
    async get<T>(key: string) {
      if (failing > 0 && key.startsWith("task:")) {
        failing--;
        throw new StoreError("store_unavailable", "the store blinked (test)");
      }
      return inner.get<T>(key);
    },
  };
  return { store, failTaskReads: (n: number) => (failing = n), failuresLeft: () => failing };
}

/** An in-process gateway with one agent whose requests the test answers by hand. */
async function gatewayWithHeldAgent(store: SessionStore) {
  const gateway = inProcessGateway({ store });
  await gateway.init();
  const requests: string[] = [];
  const { agent, caller, send } = await connectInProcessAgent(gateway, "held", (request) =>
    requests.push(request.id),
  );
  const answer = (id: string, frames: object[]) => {
    for (const frame of frames) send({ ...frame, id });
  };
  return { gateway, services: gateway.services, agent, caller, requests, answer };
}

function recordingFollower() {
  const heard: string[] = [];
  let end!: (task: TaskRecord) => void;
  const ended = new Promise<TaskRecord>((resolve) => (end = resolve));
  return {
    heard,
    ended,
    follower: {
      running: () => heard.push("running"),
      chunk: (seq: number, _kind: string, delta: string) => heard.push(`chunk ${seq} ${delta}`),
      end: (task: TaskRecord) => {
        heard.push(`end ${task.status}`);
        end(task);
      },
    },
  };
}

describe("following a task through a store blip", () => {
  it("gets the task's chunks and ending when its first reads of the task fail", async () => {
    const { store, failTaskReads, failuresLeft } = blinkingStore();
    const { gateway, services, agent, caller, requests, answer } = await gatewayWithHeldAgent(store);
    try {
      const task = await services.calls.startTask(caller, agent, { message: "hi", awaitHandoff: true });
      await waitFor(() => requests.length === 1, { what: "the task's delivery" });
      failTaskReads(3);
      const { heard, ended, follower } = recordingFollower();
      services.calls.followTask(caller, task, 0, follower);
      await waitFor(() => failuresLeft() === 0 && heard.includes("running"), {
        what: "the follower attached after its three failed reads",
      });
      answer(requests[0]!, [
        { type: "chunk", seq: 1, delta: "working on it" },
        { type: "done", seq: 2, result: "hello" },
      ]);
      const final = await ended;
      expect(final).toMatchObject({ status: "completed", result: "hello" });
      expect(heard).toEqual(["running", "chunk 1 working on it", "end completed"]);
    } finally {
      gateway.dispose();
    }
  });

  it("ends with the task's failure as stored, after the agent fails it", async () => {
    const { store } = blinkingStore();
    const { gateway, services, agent, caller, requests, answer } = await gatewayWithHeldAgent(store);
    try {
      const task = await services.calls.startTask(caller, agent, { message: "hi", awaitHandoff: true });
      await waitFor(() => requests.length === 1, { what: "the task's delivery" });
      const { ended, follower } = recordingFollower();
      services.calls.followTask(caller, task, 0, follower);
      answer(requests[0]!, [{ type: "error", seq: 1, code: "model_error", message: "the model refused" }]);
      expect(await ended).toMatchObject({
        status: "failed",
        error: { code: "model_error", message: "the model refused" },
      });
      expect((await services.tasks.get(task.id))?.status).toBe("failed");
    } finally {
      gateway.dispose();
    }
  });

  it("gives up, as a failure of its own, when the store stays away", async () => {
    const { store, failTaskReads } = blinkingStore();
    const { gateway, services, agent, caller, requests } = await gatewayWithHeldAgent(store);
    try {
      const task = await services.calls.startTask(caller, agent, { message: "hi", awaitHandoff: true });
      await waitFor(() => requests.length === 1, { what: "the task's delivery" });
      failTaskReads(1_000);
      const { ended, follower } = recordingFollower();
      services.calls.followTask(caller, task, 0, follower);
      expect(await ended).toMatchObject({ status: "failed", error: { code: "internal_error" } });
    } finally {
      gateway.dispose();
    }
  });
});
