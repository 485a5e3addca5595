/** Permission prompts: an agent asks, the caller (and only the caller) answers, on a live call or a task. */
import { describe, expect, it } from "vitest";
import { apiClient, eventData } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { startBalancer } from "../../helpers/tcp-balancer.ts";
import { sleep, waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

/** The slice of an A2A task these tests read. */
interface A2aTaskSlice {
  id: string;
  status: { state: string; message?: { metadata?: { prompt?: unknown } } };
}

/** A2A JSON-RPC `SendMessage` to one agent's door, as `user`. */
function sendMessageRpc(url: string, token: string, agent: string) {
  const client = apiClient(url, token, { "a2a-version": "1.0" });
  return async (id: number, message: Record<string, unknown>) => {
    const body = { jsonrpc: "2.0", id, method: "SendMessage", params: { message } };
    type Answer = { result?: { task: A2aTaskSlice }; error?: { code: number; message: string } };
    return (await client.post<Answer>(`/a2a/${agent}/`, body)).body;
  };
}

export function promptsContract(ctx: () => GatewayContext): void {
  /** `agentUrl`: where the agent connects, if not straight to the gateway (through a TCP balancer). */
  async function setup(name: string, agentUrl?: string) {
    const { url, adminToken } = ctx().gateway;
    const user = await createUser(url, adminToken, name);
    const agent = await createAgent(user.api, { visibility: "public" });
    // The agent asks before writing a file, then reports what the caller decided.
    const connected = await connectAgent(agentUrl ?? url, user.token, agent.name, async (_request, reply) => {
      const answer = await reply.ask({
        prompt_id: "p1",
        tool: "Write",
        input: { file_path: "notes.md" },
        summary: "Write notes.md",
      });
      reply.done(`${answer.decision}${answer.message ? `: ${answer.message}` : ""}`);
    });
    return { url, user, agent, connected };
  }

  describe("permission prompts", () => {
    it("streams a permission event on a live call and passes the caller's answer to the agent", async () => {
      const { user, agent, connected } = await setup("prompt-live");
      let requestId = "";
      const streamed = user.api.stream(
        `/v1/agents/${agent.name}/messages`,
        { message: "write it" },
        {
          onEvent: (event) => {
            if (event.event !== "permission") return;
            void user.api.post(`/v1/agents/${agent.name}/messages/${requestId}/input`, {
              prompt_id: "p1",
              decision: "deny",
              message: "not today",
            });
          },
          onResponse: (res) => {
            requestId = res.headers.get("x-agent-mesh-request-id") ?? "";
          },
        },
      );
      const res = await streamed;
      const [permission] = eventData(res.events, "permission");
      expect(permission.prompt).toMatchObject({ prompt_id: "p1", tool: "Write", summary: "Write notes.md" });
      expect(eventData(res.events, "done")[0].result).toBe("deny: not today");
      connected.stop();
    });

    it("shows a waiting task as input-required, takes the answer once, and refuses other callers", async () => {
      const { url, user, agent, connected } = await setup("prompt-task");
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "x",
        async: true,
      });
      const taskId = accepted.body.task_id;
      const waiting = await waitFor(async () => {
        const res = await user.api.get(`/v1/tasks/${taskId}`);
        return res.body.status === "input-required" ? res.body : null;
      });
      expect(waiting).toMatchObject({ a2a_state: "TASK_STATE_INPUT_REQUIRED", prompt: { prompt_id: "p1" } });
      const stranger = await createUser(url, ctx().gateway.adminToken, "prompt-stranger");
      const stolen = await stranger.api.post(`/v1/tasks/${taskId}/input`, {
        prompt_id: "p1",
        decision: "allow",
      });
      expect(stolen.status).toBe(404);
      const wrong = await user.api.post(`/v1/tasks/${taskId}/input`, { prompt_id: "p9", decision: "allow" });
      expect(wrong.body.error.code).toBe("prompt_not_found");
      const bad = await user.api.post(`/v1/tasks/${taskId}/input`, { prompt_id: "p1", decision: "maybe" });
      expect(bad.status).toBe(400);
      const answered = await user.api.post(`/v1/tasks/${taskId}/input`, {
        prompt_id: "p1",
        decision: "allow",
      });
      expect(answered.status).toBe(200);
      const done = await waitFor(async () => {
        const res = await user.api.get(`/v1/tasks/${taskId}`);
        return res.body.status === "completed" ? res.body : null;
      });
      expect(done.result).toBe("allow");
      expect(done.prompt).toBeUndefined();
      const again = await user.api.post(`/v1/tasks/${taskId}/input`, { prompt_id: "p1", decision: "allow" });
      expect(again.body.error.code).toBe("prompt_not_found");
      connected.stop();
    });

    /** Queues a task of `setup`'s agent and waits until it asks the caller. */
    async function waitingTask(user: Awaited<ReturnType<typeof setup>>["user"], agent: string) {
      const accepted = await user.api.post(`/v1/agents/${agent}/messages`, { message: "x", async: true });
      const taskId: string = accepted.body.task_id;
      await waitFor(async () => (await user.api.get(`/v1/tasks/${taskId}`)).body.status === "input-required");
      return taskId;
    }

    async function completed(user: Awaited<ReturnType<typeof setup>>["user"], taskId: string) {
      return waitFor(
        async () => {
          const res = await user.api.get(`/v1/tasks/${taskId}`);
          return res.body.status === "completed" ? res.body : null;
        },
        { what: "the task completed with the answer" },
      );
    }

    it("gives the agent an answer its socket lost, when it resumes the task on a new one", async () => {
      // The link goes silent on the way back (the gateway cannot tell): the answer is written into a socket that
      // dies with it unread. The agent reconnects and resumes the task; the answer must reach it there.
      const balancer = await startBalancer(() => [ctx().gateway.url]);
      try {
        const { user, agent, connected } = await setup("prompt-lost-answer", balancer.url);
        const taskId = await waitingTask(user, agent.name);
        balancer.partition();
        const answered = await user.api.post(`/v1/tasks/${taskId}/input`, {
          prompt_id: "p1",
          decision: "allow",
          message: "go ahead",
        });
        expect(answered.status).toBe(200);
        balancer.dropAll();
        expect((await completed(user, taskId)).result).toBe("allow: go ahead");
        expect(connected.statuses.filter((s) => s.type === "connected").length).toBe(2);
        connected.stop();
      } finally {
        await balancer.stop();
      }
    });

    it("gives a live call's agent an answer its socket lost, when it resumes the call on a new one", async () => {
      const balancer = await startBalancer(() => [ctx().gateway.url]);
      try {
        const { user, agent, connected } = await setup("prompt-live-lost", balancer.url);
        let requestId = "";
        let answered: Promise<{ status: number }> | undefined;
        const res = await user.api.stream(
          `/v1/agents/${agent.name}/messages`,
          { message: "write it" },
          {
            onEvent: (event) => {
              if (event.event !== "permission") return;
              balancer.partition();
              answered = user.api
                .post(`/v1/agents/${agent.name}/messages/${requestId}/input`, {
                  prompt_id: "p1",
                  decision: "allow",
                })
                .then((answer) => {
                  balancer.dropAll();
                  return answer;
                });
            },
            onResponse: (response) => {
              requestId = response.headers.get("x-agent-mesh-request-id") ?? "";
            },
          },
        );
        expect((await answered)?.status).toBe(200);
        expect(eventData(res.events, "done")[0]?.result, JSON.stringify(res.events)).toBe("allow");
        expect(connected.statuses.filter((s) => s.type === "connected").length).toBe(2);
        connected.stop();
      } finally {
        await balancer.stop();
      }
    });

    /**
     * Cuts `setup`'s agent off while its task waits on the prompt (a balancer that refuses it), answers the prompt,
     * waits `away` more, lets the agent back, and returns the task as it completed.
     */
    async function answerWhileAway(
      name: string,
      answer: Record<string, unknown>,
      away: (user: Awaited<ReturnType<typeof setup>>["user"], taskId: string) => Promise<unknown>,
    ) {
      let reachable = true;
      const balancer = await startBalancer(() => (reachable ? [ctx().gateway.url] : []));
      try {
        const { user, agent, connected } = await setup(name, balancer.url);
        const taskId = await waitingTask(user, agent.name);
        reachable = false;
        balancer.dropAll();
        await waitFor(() => !connected.client.connected, { what: "the agent cut off" });
        await sleep(100); // the gateway sees the socket close
        const answered = await user.api.post(`/v1/tasks/${taskId}/input`, { prompt_id: "p1", ...answer });
        expect(answered.status).toBe(200);
        await away(user, taskId);
        reachable = true;
        const done = await completed(user, taskId);
        expect(connected.requests.length).toBe(1); // resumed, not delivered again
        connected.stop();
        return done;
      } finally {
        await balancer.stop();
      }
    }

    it("takes an answer while the agent is reconnecting, and gives it to the agent when it is back", async () => {
      const done = await answerWhileAway("prompt-answer-away", { decision: "deny" }, () => sleep(50));
      expect(done.result).toBe("deny");
    });

    it("gives the agent an answer taken while it was away past its grace window, when it takes the task up again", async () => {
      // Past the grace window the task goes back to the queue; the connector still holds the turn and resumes it
      // (from the start) when it is back. The answer lives in the task's record, not only in the gateway's memory.
      const backInQueue = (user: Awaited<ReturnType<typeof setup>>["user"], taskId: string) =>
        waitFor(async () => (await user.api.get(`/v1/tasks/${taskId}`)).body.status === "submitted", {
          timeoutMs: 10_000,
          what: "the task back in the queue after the grace window",
        });
      const done = await answerWhileAway(
        "prompt-answer-past-grace",
        { decision: "allow", message: "later" },
        backInQueue,
      );
      expect(done.result).toBe("allow: later");
    });

    it("over A2A: a blocking SendMessage stops at INPUT_REQUIRED, and a message on the task answers it", async () => {
      const { url, user, agent, connected } = await setup("prompt-a2a");
      const rpc = sendMessageRpc(url, user.token, agent.name);
      const first = await rpc(1, { messageId: "m1", role: "ROLE_USER", parts: [{ text: "write it" }] });
      const task = first.result!.task;
      expect(task.status.state).toBe("TASK_STATE_INPUT_REQUIRED");
      expect(task.status.message?.metadata?.prompt).toMatchObject({ prompt_id: "p1", tool: "Write" });
      const answered = await rpc(2, {
        messageId: "m2",
        role: "ROLE_USER",
        taskId: task.id,
        parts: [{ text: "deny: not today" }],
      });
      expect(answered.result!.task.status.state).toBe("TASK_STATE_COMPLETED");
      const done = await user.api.get(`/v1/tasks/${task.id}`);
      expect(done.body.result).toBe("deny: not today");
      connected.stop();
    });

    it("over A2A: an answer carries only its own fields to the agent, and a malformed one is refused", async () => {
      // Found by tests/fuzz: the caller's whole object was spread into the `input` frame, so `type` and `id` in it
      // replaced the frame's own — the agent got a `cancel` for another request instead of the answer.
      const { url, user, agent, connected } = await setup("prompt-a2a-fields");
      const rpc = sendMessageRpc(url, user.token, agent.name);
      const first = await rpc(1, { messageId: "m1", role: "ROLE_USER", parts: [{ text: "write it" }] });
      const task = first.result!.task;
      expect(task.status.state).toBe("TASK_STATE_INPUT_REQUIRED");
      const answer = (data: unknown, messageId: string) =>
        rpc(2, { messageId, role: "ROLE_USER", taskId: task.id, parts: [{ data }] });
      const malformed = await answer({ decision: "allow", updated_input: "not an object" }, "m2");
      expect(malformed.error?.code).toBe(-32602);
      expect(malformed.error?.message).toContain("updated_input");
      const answered = await answer(
        { decision: "allow", message: "ok", type: "cancel", id: "another-request", prompt_id: "p9" },
        "m3",
      );
      expect(answered.result!.task.status.state).toBe("TASK_STATE_COMPLETED");
      expect((await user.api.get(`/v1/tasks/${task.id}`)).body.result).toBe("allow: ok");
      connected.stop();
    });
  });
}
