/**
 * A permission prompt nobody answers, end to end: the real Claude Code binary behind `agent-mesh connect claude
 * --ask-caller --ask-timeout 2`, a real gateway process and a fake Messages API whose model asks for a `Write`.
 * The connector denies on its timeout and withdraws the prompt; the gateway closes it (a `permission_withdrawn`
 * event, the task working again) and refuses a late answer with 409 `prompt_withdrawn`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeServer } from "../fakes/fake-server.ts";
import { eventData } from "../helpers/api.ts";
import { createUser } from "../helpers/fixtures.ts";
import type { GatewayProcess } from "../helpers/gateway-process.ts";
import {
  connectClaude,
  lastToolResult,
  liveCall,
  startClaudeGateway,
  taskWhen,
  workspaceFile,
} from "./ask-caller-helpers.ts";
import { cleanupCli } from "./helpers.ts";

let gateway: GatewayProcess;
let fake: FakeServer;
let alice: Awaited<ReturnType<typeof createUser>>;
const projects: Record<string, string> = {};

beforeAll(async () => {
  ({ gateway, fake } = await startClaudeGateway());
  alice = await createUser(gateway.url, gateway.adminToken, "alice");
  ({ project: projects.hasty } = await connectClaude({ gateway, fake }, alice, "hasty", [
    "--ask-caller",
    "--ask-timeout",
    "2",
  ]));
}, 90_000);

afterAll(async () => {
  await cleanupCli();
  await fake?.close();
  await gateway?.stop();
});

describe("connect claude --ask-caller: no answer in time", { timeout: 60_000 }, () => {
  it("no answer within --ask-timeout → denied and withdrawn, with a status line saying so", async () => {
    const res = await liveCall(alice.api, "hasty", "WRITE_FILE:unanswered.txt");
    const [asked] = eventData(res.events, "permission");
    expect(asked.prompt).toMatchObject({ tool: "Write", timeout_s: 2 });
    expect(eventData(res.events, "permission_withdrawn")[0].withdrawal).toMatchObject({
      prompt_id: asked.prompt.prompt_id,
      decision: "deny",
      reason: "timeout",
    });
    const statuses = eventData(res.events, "chunk")
      .filter((c) => c.kind === "status")
      .map((c) => c.delta);
    expect(statuses).toContain("No answer to the permission prompt for Write within 2 s: denied.");
    expect(workspaceFile(projects.hasty!, "unanswered.txt")).toBeUndefined();
    expect(lastToolResult(fake)?.content).toBe(
      "The caller did not answer within 2 s, so this Write call was denied.",
    );
  });

  it("a task whose prompt timed out shows the withdrawal, and a late answer gets 409 prompt_withdrawn", async () => {
    const accepted = await alice.api.post("/v1/agents/hasty/messages", {
      message: "WRITE_FILE:late.txt",
      async: true,
    });
    const taskId = accepted.body.task_id;
    const asked = await taskWhen(alice.api, taskId, (task) => task.prompt, "input-required");
    const closed = await taskWhen(
      alice.api,
      taskId,
      (task) => task.withdrawn_prompt && task,
      "the withdrawal",
    );
    expect(closed.prompt).toBeUndefined();
    expect(closed.withdrawn_prompt).toMatchObject({ prompt_id: asked.prompt_id, reason: "timeout" });
    const late = await alice.api.post(`/v1/tasks/${taskId}/input`, {
      prompt_id: asked.prompt_id,
      decision: "allow",
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("prompt_withdrawn");
    await taskWhen(alice.api, taskId, (task) => task.status === "completed", "completed");
    expect(workspaceFile(projects.hasty!, "late.txt")).toBeUndefined();
  });
});
