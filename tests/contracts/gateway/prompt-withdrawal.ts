/**
 * A prompt nobody answers in time: the connector's real ask path (askCaller over the protocol client's ask and
 * withdraw) denies it and withdraws it, and the gateway closes it — the stream says so, the task is working again,
 * A2A shows the timeout, and a late answer is refused with 409 prompt_withdrawn instead of reaching the agent.
 */
import { describe, expect, it } from "vitest";
import { askCaller } from "../../../connector/src/permissions/ask-caller.ts";
import { apiClient, eventData, type JsonResponse } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

/** Long enough for a polling test to see the prompt open, short enough to keep the suite quick. */
const ASK_TIMEOUT_MS = 1_500;
const DENIED = "The caller did not answer within 2 s, so this Write call was denied.";

export function promptWithdrawalContract(ctx: () => GatewayContext): void {
  async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const user = await createUser(url, adminToken, name);
    const agent = await createAgent(user.api, { visibility: "public" });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const connected = await connectAgent(url, user.token, agent.name, async (_request, reply) => {
      const result = await askCaller(
        reply.ask,
        { tool_name: "Write", input: { file_path: "notes.md", content: "a\n" } },
        {
          timeoutMs: ASK_TIMEOUT_MS,
          signal: reply.signal,
          emit: (chunk) => reply.chunk(chunk.delta, chunk.kind),
          withdraw: reply.withdraw,
        },
      );
      // The turn goes on after the denial (as Claude's does), so a late answer meets a running request.
      await released;
      reply.done(result.behavior === "deny" ? `denied: ${result.message}` : "allowed");
    });
    return { url, user, agent, connected, release };
  }

  describe("permission prompts withdrawn on timeout", () => {
    it("live call: the stream shows the withdrawal, and a late answer is refused with 409", async () => {
      const { user, agent, connected, release } = await setup("withdraw-live");
      let requestId = "";
      let late: Promise<JsonResponse> | undefined;
      try {
        const res = await user.api.stream(
          `/v1/agents/${agent.name}/messages`,
          { message: "write it" },
          {
            onResponse: (response) => {
              requestId = response.headers.get("x-agent-mesh-request-id") ?? "";
            },
            onEvent: (event) => {
              if (event.event !== "permission_withdrawn") return;
              const { prompt_id } = JSON.parse(event.data).withdrawal;
              late = user.api
                .post(`/v1/agents/${agent.name}/messages/${requestId}/input`, {
                  prompt_id,
                  decision: "allow",
                })
                .finally(release);
            },
          },
        );
        const [prompt] = eventData(res.events, "permission");
        const [withdrawn] = eventData(res.events, "permission_withdrawn");
        expect(withdrawn?.withdrawal).toEqual({
          prompt_id: prompt.prompt.prompt_id,
          withdrawn: true,
          decision: "deny",
          reason: "timeout",
          message: "No answer to the permission prompt for Write within 2 s: denied.",
        });
        const statuses = eventData(res.events, "chunk").filter((c) => c.kind === "status");
        expect(statuses.map((c) => c.delta)).toContain(withdrawn.withdrawal.message);
        const refused = await late!;
        expect(refused.status).toBe(409);
        expect(refused.body.error.code).toBe("prompt_withdrawn");
        expect(refused.body.error.message).toMatch(/no answer came within its time limit/);
        expect(eventData(res.events, "done")[0].result).toBe(`denied: ${DENIED}`);
      } finally {
        release();
        connected.stop();
      }
    });

    it("task: back to working with the withdrawal shown (REST and A2A); late answers get 409, before and after the end", async () => {
      const { url, user, agent, connected, release } = await setup("withdraw-task");
      try {
        const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
          message: "x",
          async: true,
        });
        const taskId = accepted.body.task_id;
        const asked = await waitFor(async () => {
          const res = await user.api.get(`/v1/tasks/${taskId}`);
          return res.body.status === "input-required" ? res.body : null;
        });
        const promptId = asked.prompt.prompt_id;
        const working = await waitFor(async () => {
          const res = await user.api.get(`/v1/tasks/${taskId}`);
          return res.body.status === "working" && res.body.withdrawn_prompt ? res.body : null;
        });
        expect(working.prompt).toBeUndefined();
        expect(working.withdrawn_prompt).toMatchObject({
          prompt_id: promptId,
          decision: "deny",
          reason: "timeout",
        });

        const rpc = apiClient(url, user.token, { "a2a-version": "1.0" });
        const a2a = async (method: string, params: unknown) =>
          (await rpc.post(`/a2a/${agent.name}/`, { jsonrpc: "2.0", id: 1, method, params })).body;
        const shown = await a2a("GetTask", { id: taskId });
        expect(shown.result.status.state).toBe("TASK_STATE_WORKING");
        expect(shown.result.status.message.metadata.withdrawal).toMatchObject({ reason: "timeout" });
        const lateA2a = await a2a("SendMessage", {
          message: { messageId: "m2", role: "ROLE_USER", taskId, parts: [{ text: "allow" }] },
        });
        expect(lateA2a.error.data[0].metadata.code).toBe("prompt_withdrawn");

        const late = await user.api.post(`/v1/tasks/${taskId}/input`, {
          prompt_id: promptId,
          decision: "allow",
        });
        expect(late.status).toBe(409);
        expect(late.body.error.code).toBe("prompt_withdrawn");
        release();
        const done = await waitFor(async () => {
          const res = await user.api.get(`/v1/tasks/${taskId}`);
          return res.body.status === "completed" ? res.body : null;
        });
        expect(done.result).toBe(`denied: ${DENIED}`);
        const after = await user.api.post(`/v1/tasks/${taskId}/input`, {
          prompt_id: promptId,
          decision: "deny",
        });
        expect(after.status).toBe(409);
        expect(after.body.error.code).toBe("prompt_withdrawn");
      } finally {
        release();
        connected.stop();
      }
    });
  });
}
