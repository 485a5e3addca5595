/**
 * Offering queued tasks to a person's session, on the paths the contract suite cannot reach over HTTP: a task
 * marked with an ask that was never sent (the process stopped between the two writes) is offered again, a full
 * inbox gets no offer and no task write until it has room, a task longer than an inbox message is offered whole,
 * a task queued through a share link is offered only if the link was made to reach sessions (and is active), and
 * a task answered by the person calls back as any other ending.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newAskId } from "../../gateway/src/domain/inbox.ts";
import { IN_PROCESS_ADMIN_TOKEN, inProcessApi, inProcessGateway } from "../helpers/in-process-gateway.ts";
import { waitFor } from "../helpers/wait.ts";

const errors: Array<{ stage: string }> = [];
const gateway = inProcessGateway({
  config: { allowPrivateCallbacks: true },
  onError: (_error, context) => errors.push(context),
});
const admin = inProcessApi(gateway, IN_PROCESS_ADMIN_TOKEN);
let api: ReturnType<typeof inProcessApi>;
/** Each case's own agent, `desk-<n>`, and its id. */
let desk = "";
let agentId = "";

beforeAll(async () => {
  await gateway.init();
  const user = await admin.post("/v1/tokens", { name: "offers" });
  api = inProcessApi(gateway, user.body.token);
});
beforeEach(async () => {
  desk = `desk-${Date.now().toString(36)}`;
  agentId = (await api.post("/v1/agents", { name: desk })).body.id;
});
afterAll(() => gateway.dispose());

const queue = async (message: string, body: Record<string, unknown> = {}) =>
  (await api.post(`/v1/agents/${desk}/messages`, { message, async: true, ...body })).body.task_id as string;
const readInbox = async () =>
  (await api.get(`/v1/agents/${desk}/inbox`)).body.messages as Array<{
    id: string;
    [field: string]: unknown;
  }>;
const reply = (askId: string, message: string) =>
  api.post(`/v1/agents/${desk}/inbox/${askId}/reply`, { message });

describe("tasks offered to a person's session", () => {
  it("offers again a task whose mark names an ask that was never sent", async () => {
    const taskId = await queue("left half-offered");
    const lost = newAskId();
    await gateway.services.tasks.update(taskId, (task) => Object.assign(task, { inbox_ask: lost }));
    const [ask] = await readInbox();
    expect(ask).toMatchObject({ kind: "ask", task_id: taskId, text: "left half-offered" });
    expect(ask!.id).not.toBe(lost);
    expect((await api.get(`/v1/tasks/${taskId}`)).body.inbox_ask).toBe(ask!.id);
    await reply(ask!.id, "done");
    expect((await api.get(`/v1/tasks/${taskId}`)).body).toMatchObject({
      status: "completed",
      result: "done",
    });
  });

  it("offers nothing to a full inbox, writes no mark and reports nothing, then offers once it has room", async () => {
    const { store } = gateway.services;
    await store.set(`inbox-unread:${agentId}`, 10_000);
    const taskId = await queue("wait for room");
    const before = (await api.get(`/v1/tasks/${taskId}`)).body;
    expect(await readInbox()).toEqual([]);
    const after = (await api.get(`/v1/tasks/${taskId}`)).body;
    expect([after.inbox_ask, after.updated_at]).toEqual([undefined, before.updated_at]);
    expect(errors).toEqual([]);
    await store.set(`inbox-unread:${agentId}`, 0);
    const [ask] = await readInbox();
    expect(ask).toMatchObject({ kind: "ask", task_id: taskId });
  });

  it("offers a task whose message is longer than an inbox message may be (the task's own limit applies)", async () => {
    const long = "x".repeat(70_000);
    const taskId = await queue(long);
    const [ask] = await readInbox();
    expect(ask).toMatchObject({ task_id: taskId, text: long });
  });

  it("offers again a task whose ask was acknowledged without a reply: only a reply, a connector or a cancel ends it", async () => {
    const taskId = await queue("not now");
    const [ask] = await readInbox();
    await api.post(`/v1/agents/${desk}/inbox/ack`, { ids: [ask!.id] });
    const [again] = await readInbox();
    expect(again).toMatchObject({ kind: "ask", task_id: taskId, text: "not now" });
    expect(again!.id).not.toBe(ask!.id);
    // A reply to the first ask is refused, pointing at the new one; the task waits for that.
    const late = await reply(ask!.id, "late");
    expect([late.status, late.body.error]).toEqual([
      409,
      {
        code: "task_taken",
        message: `Task ${taskId} no longer waits for this reply: it was offered again (ask ${again!.id}: reply to that one).`,
      },
    ]);
    await reply(again!.id, "now");
    expect((await api.get(`/v1/tasks/${taskId}`)).body).toMatchObject({ status: "completed", result: "now" });
  });

  it("offers a task queued through a link made to reach sessions, from the link, and the link reads the reply", async () => {
    const link = inProcessApi(gateway);
    const pathOf = (share: { body: { url: string } }) => new URL(share.body.url).pathname;
    const plain = await api.post(`/v1/agents/${desk}/shares`, { label: "public page" });
    const reaching = await api.post(`/v1/agents/${desk}/shares`, { label: "team page", sessions: true });
    const revoked = await api.post(`/v1/agents/${desk}/shares`, { label: "old page", sessions: true });
    const unlabeled = await api.post(`/v1/agents/${desk}/shares`, { sessions: true });
    const queueVia = async (share: { body: { url: string } }, message: string) => {
      const res = await link.post(`${pathOf(share)}messages`, { message, async: true });
      expect(res.status).toBe(202);
      return res.body.task_id as string;
    };
    await queueVia(plain, "through a plain link");
    await queueVia(revoked, "through a link revoked since");
    await api.call("DELETE", `/v1/shares/${revoked.body.id}`);
    const viaLink = await queueVia(reaching, "from the link");
    const viaUnlabeled = await queueVia(unlabeled, "from a link with no label");
    const mine = await queue("from the owner");
    const offered = await readInbox();
    // Each link's ask names the link by its label, as the owner knows it (a link with none: its id alone).
    expect(offered.map((ask) => [ask.task_id, ask.text, ask.from])).toEqual([
      [viaLink, "from the link", { user: `share.${reaching.body.id}`, label: "team page" }],
      [viaUnlabeled, "from a link with no label", { user: `share.${unlabeled.body.id}` }],
      [mine, "from the owner", { user: expect.any(String) }],
    ]);
    await reply(offered[0]!.id, "answered for the link");
    const read = await link.get(`${pathOf(reaching)}tasks/${viaLink}`);
    expect(read.body).toMatchObject({ status: "completed", result: "answered for the link" });
  });

  it("calls the task's callback_url when the person's reply completes it", async () => {
    const received: Array<{ body: Record<string, unknown>; signature: string | undefined }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let text = "";
      req.on("data", (part) => (text += part));
      req.on("end", () => {
        received.push({ body: JSON.parse(text), signature: req.headers["x-agent-mesh-signature"] as string });
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const taskId = await queue("call me back", { callback_url: `http://127.0.0.1:${port}/done` });
      const [ask] = await readInbox();
      await reply(ask!.id, "called");
      await waitFor(() => received.length > 0, { what: "the callback" });
      expect(received[0]!.body).toMatchObject({ task_id: taskId, status: "completed", result: "called" });
      expect(received[0]!.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    } finally {
      server.close();
    }
  });

  it("offers the oldest 20 queued tasks at a time, and the next as the person answers", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 22; i++) ids.push(await queue(`job ${i}`));
    const first = await readInbox();
    expect(first.map((ask) => ask.task_id)).toEqual(ids.slice(0, 20));
    await reply(first[0]!.id, "job 0 done");
    const peeked = (await api.get(`/v1/agents/${desk}/inbox?peek=true`)).body.messages as Array<{
      task_id: string;
    }>;
    expect(peeked.map((ask) => ask.task_id)).toEqual(ids.slice(1, 20));
    const [next] = await readInbox();
    expect(next!.task_id).toBe(ids[20]);
  });
});
