/**
 * What a running task's agent says is saved even when the store refuses it for a moment (an outage, Redis at its
 * `maxmemory`, writers racing): the open permission prompt a caller must see, like the outcome, is written once the
 * store takes it, and in the order the agent said it. A queued task whose start the store refused for a moment is
 * delivered once it takes it. (The outcome through a full Redis: redis-full.test.ts.)
 */
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "../../gateway/src/domain/tasks.ts";
import { StoreError } from "../../gateway/src/session-stores/_errors.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { connectInProcessAgent, inProcessGateway } from "../helpers/in-process-gateway.ts";
import { waitFor } from "../helpers/wait.ts";

/** A memory store whose next `n` changes of task records fail with `code`, as a refusing backend's would. */
function refusingStore() {
  const inner = memorySessionStore({});
  let failing = 0;
  let code = "store_unavailable";
  const store: SessionStore = {
    ...inner,
    async update(key, step) {
      if (failing > 0 && key.startsWith("task:")) {
        failing--;
        throw new StoreError(code, `the store refused a write (test: ${code})`);
      }
      return inner.update(key, step);
    },
  };
  return {
    store,
    refuseTaskChanges(n: number, as: string) {
      failing = n;
      code = as;
    },
    refusalsLeft: () => failing,
  };
}

const PROMPT = { prompt_id: "p-1", tool: "Write", input: { path: "notes.md" }, summary: "Write notes.md" };

describe("a running task's saves through store refusals", () => {
  it.each([
    "store_unavailable",
    "store_full",
  ])("saves the agent's permission prompt once the store takes it (%s)", async (code) => {
    const { store, refuseTaskChanges, refusalsLeft } = refusingStore();
    const gateway = inProcessGateway({ store });
    await gateway.init();
    try {
      const requests: string[] = [];
      const { agent, caller, send } = await connectInProcessAgent(gateway, "asker", (request) =>
        requests.push(request.id),
      );
      const { services } = gateway;
      const task = await services.calls.startTask(caller, agent, { message: "write it", awaitHandoff: true });
      await waitFor(() => requests.length === 1, { what: "the task's delivery" });
      await waitFor(async () => (await services.tasks.get(task.id))?.status === "working", {
        what: "the task working",
      });
      refuseTaskChanges(2, code);
      send({ type: "chunk", id: requests[0], seq: 1, kind: "permission", delta: JSON.stringify(PROMPT) });
      const saved = await waitFor(
        async () => {
          const current = await services.tasks.get(task.id);
          return current?.prompt ? current : null;
        },
        { what: "the prompt saved once the store took it", timeoutMs: 4000 },
      );
      expect(refusalsLeft()).toBe(0);
      expect(saved.prompt).toMatchObject({ prompt_id: "p-1", tool: "Write" });
      // Withdrawn while the store refuses again: the withdrawal lands after the prompt it closes, not before.
      refuseTaskChanges(1, code);
      send({
        type: "chunk",
        id: requests[0],
        seq: 2,
        kind: "permission",
        delta: JSON.stringify({ prompt_id: "p-1", withdrawn: true, decision: "deny", reason: "timeout" }),
      });
      const withdrawn = await waitFor(
        async () => {
          const current = (await services.tasks.get(task.id)) as TaskRecord | null;
          return current?.withdrawn_prompt ? current : null;
        },
        { what: "the withdrawal saved", timeoutMs: 4000 },
      );
      expect(withdrawn.prompt).toBeUndefined();
      expect(withdrawn.status).toBe("working");
    } finally {
      gateway.dispose();
    }
  });

  it("delivers a queued task whose start the store refused for a moment (store_full)", async () => {
    const { store, refuseTaskChanges, refusalsLeft } = refusingStore();
    const gateway = inProcessGateway({ store });
    await gateway.init();
    try {
      const requests: string[] = [];
      const { agent, caller } = await connectInProcessAgent(gateway, "starter", (request) =>
        requests.push(request.id),
      );
      // Creating a task writes it whole; the first change is its start (submitted → working) at delivery.
      refuseTaskChanges(1, "store_full");
      const task = await gateway.services.calls.startTask(caller, agent, {
        message: "go",
        awaitHandoff: true,
      });
      await waitFor(() => requests.length === 1, {
        what: "the task delivered once the store took its start",
      });
      expect(refusalsLeft()).toBe(0);
      expect((await gateway.services.tasks.get(task.id))?.status).toBe("working");
    } finally {
      gateway.dispose();
    }
  });
});
