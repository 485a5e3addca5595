/**
 * An ask to a person's session that nobody answers in time: the refusal tells each kind of asker the way a late
 * answer can still reach them. A person asking as themselves can ask as one of their agents, whose inbox gets
 * the reply; a share link's holder has no inbox and no agents, so it is told to send a task instead, whose result
 * the person's reply becomes. (The contract suite covers the answered asks on every runtime and store; this
 * needs a sync timeout short enough to wait out.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IN_PROCESS_ADMIN_TOKEN, inProcessApi, inProcessGateway } from "../helpers/in-process-gateway.ts";

const gateway = inProcessGateway({ config: { syncTimeoutMs: 1000 } });
let owner: ReturnType<typeof inProcessApi>;

beforeAll(async () => {
  await gateway.init();
  const user = await inProcessApi(gateway, IN_PROCESS_ADMIN_TOKEN).post("/v1/tokens", { name: "desk-owner" });
  owner = inProcessApi(gateway, user.body.token);
  await owner.post("/v1/agents", { name: "desk" });
  await owner.call("PUT", "/v1/agents/desk/inbox/presence");
});
afterAll(() => gateway.dispose());

describe("an ask to a person's session that times out", () => {
  it("tells a person asking as themselves to ask as one of their agents", async () => {
    const res = await owner.post("/v1/agents/desk/messages", { message: "anyone?" });
    expect([res.status, res.body.error.code]).toEqual([504, "ask_timeout"]);
    expect(res.body.error.message).toContain("ask as one of your agents (X-Agent-Mesh-As: <agent>)");
  });

  it("tells a share link's holder to send a task, and the task is then offered to the person", async () => {
    const share = await owner.post("/v1/agents/desk/shares", { sessions: true });
    const link = inProcessApi(gateway);
    const path = new URL(share.body.url).pathname;
    const res = await link.post(`${path}messages`, { message: "anyone there?" });
    expect([res.status, res.body.error.code]).toEqual([504, "ask_timeout"]);
    expect(res.body.error.message).toContain('send the message with "async": true');
    expect(res.body.error.message).not.toContain("X-Agent-Mesh-As");
    const task = await link.post(`${path}messages`, { message: "anyone there?", async: true });
    const asks = (await owner.get("/v1/agents/desk/inbox")).body.messages;
    expect(asks.map((m: { task_id?: string }) => m.task_id)).toContain(task.body.task_id);
  });
});
