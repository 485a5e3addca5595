/**
 * The A2A v1.0 door with the real A2A SDK client on both bindings (JSON-RPC and HTTP+JSON): card discovery,
 * SendMessage (blocking and returnImmediately), SendStreamingMessage, GetTask, ListTasks, CancelTask
 * and multi-turn input-required. Following tasks (subscribe, push, restart) is in a2a-follow.ts, refusals of bad
 * input in a2a-bad-input.ts.
 */
import { CancelTaskRequest, ListTasksRequest, TaskState } from "@a2a-js/sdk";
import { describe, expect, it } from "vitest";
import {
  a2aClient,
  asTask,
  BINDINGS,
  cases,
  collect,
  gate,
  streamedText,
  textOf,
  userMessage,
} from "../../helpers/a2a.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

export function a2aContract(ctx: () => GatewayContext): void {
  async function setup(name: string, fields: Record<string, unknown> = {}) {
    const { url, adminToken } = ctx().gateway;
    const user = await createUser(url, adminToken, name);
    const agent = await createAgent(user.api, fields);
    return { url, user, agent, base: `${url}/a2a/${agent.name}/` };
  }

  describe("A2A v1.0 door", () => {
    it("serves the agent card: public without a token, private only to who may see it, with ETag", async () => {
      const { url, user, agent, base } = await setup("a2a-card", {
        visibility: "public",
        description: "Reviews code.",
        capabilities: ["review", "summarize"],
      });
      const res = await fetch(`${base}.well-known/agent-card.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
      const card = await res.json();
      expect(card).toMatchObject({
        name: agent.name,
        description: "Reviews code.",
        capabilities: { streaming: true, pushNotifications: true },
        securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } },
        securityRequirements: [{ schemes: { bearer: { list: [] } } }],
        supportedInterfaces: [
          { url: base, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
          { url: base, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
        ],
      });
      expect(card.skills.map((s: { id: string }) => s.id)).toEqual(["review", "summarize"]);
      const etag = res.headers.get("etag")!;
      expect(etag).toBeTruthy();
      expect(
        (await fetch(`${base}.well-known/agent-card.json`, { headers: { "if-none-match": etag } })).status,
      ).toBe(304);
      const legacy = await fetch(`${base}.well-known/agent.json`, { redirect: "manual" });
      expect(legacy.status).toBe(301);
      expect(new URL(legacy.headers.get("location")!, legacy.url).pathname).toBe(
        `/a2a/${agent.name}/.well-known/agent-card.json`,
      );
      // By id too.
      expect((await fetch(`${url}/a2a/${agent.id}/.well-known/agent-card.json`)).status).toBe(200);
      const hidden = await createAgent(user.api, { visibility: "private" });
      const anonymous = await fetch(`${url}/a2a/${hidden.name}/.well-known/agent-card.json`);
      const missing = await fetch(`${url}/a2a/no-such-agent-here/.well-known/agent-card.json`);
      expect([anonymous.status, missing.status]).toEqual([401, 401]);
      const owner = await fetch(`${url}/a2a/${hidden.name}/.well-known/agent-card.json`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      expect(owner.status).toBe(200);
      expect((await owner.json()).skills).toHaveLength(1);
      const stranger = await createUser(url, ctx().gateway.adminToken, "a2a-card-stranger");
      const refused = await fetch(`${url}/a2a/${hidden.name}/.well-known/agent-card.json`, {
        headers: { authorization: `Bearer ${stranger.token}` },
      });
      expect(refused.status).toBe(404);
    });

    for (const binding of BINDINGS) {
      const tag = binding === "JSONRPC" ? "rpc" : "rest";
      describe(`over ${binding}`, () => {
        it("SendMessage blocks until the task completes; the task is a /v1 task too", async () => {
          const { user, agent, base } = await setup(`a2a-send-${tag}`);
          const connected = await connectAgent(ctx().gateway.url, user.token, agent.name);
          const client = await a2aClient(binding, base, user.token);
          const task = asTask(await client.sendMessage(userMessage("hello mesh")));
          expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
          expect(textOf(task.artifacts[0]?.parts)).toBe("hello mesh");
          expect(task.contextId).toBeTruthy();
          const v1 = await user.api.get(`/v1/tasks/${task.id}`);
          expect(v1.body).toMatchObject({
            status: "completed",
            result: "hello mesh",
            session_id: task.contextId,
          });
          const read = await client.getTask({ id: task.id, tenant: "", historyLength: 1 });
          expect(read.history).toHaveLength(1);
          expect(textOf(read.history[0]?.parts)).toBe("hello mesh");
          // And a /v1 task is readable over A2A.
          const queued = await user.api.post(`/v1/agents/${agent.name}/messages`, {
            message: "v1",
            async: true,
          });
          await waitFor(
            async () => (await user.api.get(`/v1/tasks/${queued.body.task_id}`)).body.status === "completed",
          );
          const fromV1 = await client.getTask({ id: queued.body.task_id, tenant: "" });
          expect(fromV1.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
          connected.stop();
        });

        it("SendMessage to a person's session (no connector) completes with the reply to the ask in its inbox", async () => {
          const { user, agent, base } = await setup(`a2a-session-${tag}`);
          await user.api.call("PUT", `/v1/agents/${agent.name}/inbox/presence`);
          const client = await a2aClient(binding, base, user.token);
          const sending = client.sendMessage(userMessage("which release?"));
          const ask = await waitFor(
            async () => (await user.api.get(`/v1/agents/${agent.name}/inbox`)).body.messages[0] ?? null,
            { what: "the task's ask in the inbox" },
          );
          expect(ask).toMatchObject({ kind: "ask", text: "which release?", task_id: expect.any(String) });
          await user.api.post(`/v1/agents/${agent.name}/inbox/${ask.id}/reply`, { message: "2.4" });
          const task = asTask(await sending);
          expect([task.id, task.status?.state]).toEqual([ask.task_id, TaskState.TASK_STATE_COMPLETED]);
          expect(textOf(task.artifacts[0]?.parts)).toBe("2.4");
        });

        it("returnImmediately answers at once; the task finishes on its own", async () => {
          const { user, agent, base } = await setup(`a2a-immediate-${tag}`);
          const release = gate();
          const connected = await connectAgent(
            ctx().gateway.url,
            user.token,
            agent.name,
            async (_r, reply) => {
              await release.opened;
              reply.done("later");
            },
          );
          const client = await a2aClient(binding, base, user.token);
          const task = asTask(
            await client.sendMessage(userMessage("x", { configuration: { returnImmediately: true } })),
          );
          expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(
            task.status?.state,
          );
          release.open();
          const done = await waitFor(async () => {
            const now = await client.getTask({ id: task.id, tenant: "" });
            return now.status?.state === TaskState.TASK_STATE_COMPLETED ? now : null;
          });
          expect(textOf(done.artifacts[0]?.parts)).toBe("later");
          connected.stop();
        });

        it("SendStreamingMessage streams a task snapshot, then chunks as artifact updates, then COMPLETED", async () => {
          const { user, agent, base } = await setup(`a2a-stream-${tag}`);
          const connected = await connectAgent(ctx().gateway.url, user.token, agent.name, (_r, reply) => {
            reply.chunk("thinking…", "status");
            for (const word of ["one ", "two ", "three"]) reply.chunk(word);
            reply.done("one two three");
          });
          const client = await a2aClient(binding, base, user.token);
          const events = await collect(client.sendMessageStream(userMessage("count")));
          expect(events[0]?.payload?.$case).toBe("task");
          expect(streamedText(events)).toBe("one two three");
          const last = events.at(-1)?.payload;
          expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(
            TaskState.TASK_STATE_COMPLETED,
          );
          expect(cases(events)).toContain("statusUpdate");
          connected.stop();
        });

        it("continues an input-required task with a message carrying its taskId, in the same context", async () => {
          const { user, agent, base } = await setup(`a2a-turns-${tag}`);
          const connected = await connectAgent(
            ctx().gateway.url,
            user.token,
            agent.name,
            (request, reply) => {
              if (request.message === "book a table") reply.done("For how many?", { inputRequired: true });
              else reply.done(`Booked for ${request.message}.`);
            },
          );
          const client = await a2aClient(binding, base, user.token);
          const asked = asTask(await client.sendMessage(userMessage("book a table")));
          expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
          expect(textOf(asked.status?.message?.parts)).toBe("For how many?");
          const done = asTask(
            await client.sendMessage(userMessage("four", { taskId: asked.id, contextId: asked.contextId })),
          );
          expect(done).toMatchObject({ id: asked.id, contextId: asked.contextId });
          expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
          expect(textOf(done.artifacts[0]?.parts)).toBe("Booked for four.");
          expect(done.history.map((m) => textOf(m.parts))).toEqual(["book a table", "For how many?", "four"]);
          expect(connected.requests.map((r) => r.session_id)).toEqual([asked.contextId, asked.contextId]);
          connected.stop();
        });

        it("ListTasks pages through the caller's tasks with this agent only", async () => {
          const { url, user, agent, base } = await setup(`a2a-list-${tag}`);
          const client = await a2aClient(binding, base, user.token);
          const ids: string[] = [];
          for (const text of ["a", "b", "c"]) {
            const t = asTask(
              await client.sendMessage(userMessage(text, { configuration: { returnImmediately: true } })),
            );
            ids.push(t.id);
          }
          const other = await createAgent(user.api);
          await user.api.post(`/v1/agents/${other.name}/messages`, { message: "elsewhere", async: true });
          const first = await client.listTasks(ListTasksRequest.fromJSON({ pageSize: 2 }));
          expect(first.tasks.map((t) => t.id)).toEqual([ids[2], ids[1]]);
          const second = await client.listTasks(
            ListTasksRequest.fromJSON({ pageToken: first.nextPageToken, pageSize: 2 }),
          );
          expect(second.tasks.map((t) => t.id)).toEqual([ids[0]]);
          expect(second.nextPageToken).toBe("");
          const middle = await client.getTask({ id: ids[1]!, tenant: "" });
          const byContext = await client.listTasks(
            ListTasksRequest.fromJSON({ contextId: middle.contextId }),
          );
          expect(byContext.tasks.map((t) => t.id)).toEqual([ids[1]]);
          const done = await client.listTasks(ListTasksRequest.fromJSON({ status: "TASK_STATE_COMPLETED" }));
          expect(done.tasks).toEqual([]);
          const bare = await client.listTasks(ListTasksRequest.fromJSON({ historyLength: 0, pageSize: 1 }));
          expect(bare.tasks[0]?.history).toEqual([]);
          const stranger = await createUser(url, ctx().gateway.adminToken, `a2a-list-stranger-${tag}`);
          await user.api.call("PATCH", `/v1/agents/${agent.name}`, { visibility: "public" });
          const theirs = await a2aClient(binding, base, stranger.token);
          expect((await theirs.listTasks(ListTasksRequest.fromJSON({}))).tasks).toEqual([]);
        });

        it("CancelTask ends a running task CANCELED, and a finished one is not cancelable", async () => {
          const { user, agent, base } = await setup(`a2a-cancel-${tag}`);
          const connected = await connectAgent(ctx().gateway.url, user.token, agent.name, (_r, reply) => {
            reply.chunk("working on it");
          });
          const client = await a2aClient(binding, base, user.token);
          const stream = client.sendMessageStream(userMessage("forever"));
          let taskId = "";
          let canceling: Promise<{ status?: { state: TaskState } }> | undefined;
          const events = await collect(stream, (seen) => {
            const first = seen[0]?.payload;
            if (first?.$case === "task" && !taskId) {
              taskId = first.value.id;
              canceling = client.cancelTask(CancelTaskRequest.fromJSON({ id: taskId }));
            }
            return false;
          });
          expect((await canceling)?.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
          const last = events.at(-1)?.payload;
          expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(
            TaskState.TASK_STATE_CANCELED,
          );
          expect((await client.getTask({ id: taskId, tenant: "" })).status?.state).toBe(
            TaskState.TASK_STATE_CANCELED,
          );
          await expect(client.cancelTask(CancelTaskRequest.fromJSON({ id: taskId }))).rejects.toMatchObject({
            name: "TaskNotCancelableError",
          });
          connected.stop();
        });
      });
    }
  });
}
