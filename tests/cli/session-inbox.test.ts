/**
 * A person's interactive session and inboxes from the terminal, against a real gateway with the real CLI: chat and
 * call ask a session through its inbox, a task queued for it is offered there and completed by the reply, and
 * `agent-mesh inbox` reads, answers, acknowledges and leaves messages. (Split from connect.test.ts, whose agents
 * are served by a connector.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";
import { cleanupCli, cliOk, loggedInHome, runCli } from "./helpers.ts";

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;
let home: string;

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "fs" });
  user = await createUser(gateway.url, gateway.adminToken, "carol");
  home = await loggedInHome(gateway.url, user.token);
  // One of carol's agents to write as (`--as upper`); nothing serves it.
  await createAgent(user.api, { name: "upper" });
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

describe("sessions and inboxes from the terminal", () => {
  it("chat and call ask a person's interactive session through its inbox, and print its reply", async () => {
    const desk = await createAgent(user.api, { name: "desk" });
    expect((await user.api.call("PUT", `/v1/agents/${desk.name}/inbox/presence`)).status).toBe(200);
    /** The person at the session: reads the next ask in the inbox and replies to it. */
    const answerNextAsk = async (text: string) => {
      const ask = await waitFor(
        async () => (await user.api.get(`/v1/agents/${desk.name}/inbox`)).body.messages[0] ?? null,
        { what: "the ask in the inbox" },
      );
      expect(ask).toMatchObject({ kind: "ask", from: { user: "carol" } });
      await user.api.post(`/v1/agents/${desk.name}/inbox/${ask.id}/reply`, {
        message: `${text} (re: ${ask.text})`,
      });
    };
    // Online, and how: its rows say it is a person's session.
    expect(await cliOk(["agents", "show", "desk"], { home })).toMatch(/online\s+yes \(session\)/);
    expect(await cliOk(["agents"], { home })).toMatch(
      /desk\s+\S+\s+exec\s+carol\s+private\s+yes \(session\)/,
    );
    const chatted = runCli(["chat", "desk", "are you there?"], { home });
    await answerNextAsk("here");
    const chat = await chatted;
    expect(chat.code).toBe(0);
    expect(chat.stdout).toContain("desk is a person's interactive session: asked in its inbox");
    expect(chat.stdout).toContain("here (re: are you there?)");
    const called = runCli(["call", "desk", "--task", "status?", "--timeout", "30"], { home });
    await answerNextAsk("all good");
    expect(await called).toMatchObject({ code: 0, stdout: "all good (re: status?)\n" });
    // A task reaches the session too: offered in its inbox as an ask, the reply is the task's result.
    const queued = await runCli(["call", "desk", "--task", "later", "--async"], { home });
    expect(queued.code).toBe(0);
    expect(queued.stdout).toMatch(/^ag_[0-9a-f]{16}\.[0-9a-z]{26}\n$/);
    expect(queued.stderr).toBe("");
    const taskId = queued.stdout.trim();
    // Offered once the session reads its inbox; meanwhile the task says where it waits.
    await waitFor(async () => (await user.api.get(`/v1/tasks/${taskId}`)).body.status === "submitted");
    await user.api.call("PUT", `/v1/agents/${desk.name}/inbox/presence`);
    const waiting = await runCli(["task", taskId], { home });
    expect(waiting.stderr).toMatch(
      /Waiting for a reply from desk's session \(asked in its inbox, msg_[0-9a-z]{26}\)\./,
    );
    // Answered from the terminal: the reply says which task it completed.
    const offered = await waitFor(
      async () =>
        (await user.api.get(`/v1/agents/${desk.name}/inbox?peek=true`)).body.messages.find(
          (m: { task_id?: string }) => m.task_id === taskId,
        ) ?? null,
      { what: "the task's ask" },
    );
    expect(
      await cliOk(["inbox", "desk", "--reply", offered.id, "--message", "done (re: later)"], { home }),
    ).toBe(`replied to ${offered.id}: task ${taskId} completed with it\n`);
    expect(JSON.parse(await cliOk(["task", taskId, "--json"], { home }))).toMatchObject({
      status: "completed",
      result: "done (re: later)",
    });
    // Nobody replies in time: the ask's own refusal.
    const unanswered = await runCli(["call", "desk", "--task", "hello?", "--timeout", "1"], { home });
    expect(unanswered.code).toBe(124);
    expect(unanswered.stderr).toMatch(
      /no reply within 1 s; the ask stays in desk's inbox \(msg_[0-9a-z]{26}\)/,
    );
    await user.api.call("DELETE", `/v1/agents/${desk.name}/inbox/presence`);
  });

  it("inbox reads your agent's inbox, answers an ask, acknowledges, and leaves messages as you or your agent", async () => {
    await createAgent(user.api, { name: "mailbox" });
    const left = await cliOk(["inbox", "mailbox", "--send", "build is green"], { home });
    expect(left).toMatch(/^msg_[0-9a-z]{26}\n$/);
    const asUpper = await cliOk(["inbox", "mailbox", "--send", "-", "--as", "upper"], {
      home,
      input: "from the agent\n",
    });
    const asking = user.api.post("/v1/agents/mailbox/asks", {
      message: "is main green?",
      timeout_seconds: 20,
    });
    const ask = await waitFor(
      async () =>
        (await user.api.get("/v1/agents/mailbox/inbox?peek=true")).body.messages.find(
          (m: { kind: string }) => m.kind === "ask",
        ) ?? null,
      { what: "the ask in the inbox" },
    );
    const read = await cliOk(["inbox", "mailbox"], { home });
    expect(read).toContain(`message ${left.trim()} from carol`);
    expect(read).toContain(`message ${asUpper.trim()} from upper (owner carol)`);
    expect(read).toContain(`ask ${ask.id} from carol`);
    expect(read).toContain("\n  is main green?\n");
    expect(read).toContain("--reply <id>");
    expect(
      await cliOk(["inbox", "mailbox", "--reply", ask.id, "--message", "yes, since 10:02"], { home }),
    ).toBe(`replied to ${ask.id}\n`);
    expect((await asking).body.reply).toMatchObject({ text: "yes, since 10:02", in_reply_to: ask.id });
    // The answered ask was acknowledged with the reply: it is not in the inbox any more.
    const acked = await runCli(["inbox", "mailbox", "--ack", left.trim(), asUpper.trim(), ask.id], { home });
    expect([acked.code, acked.stdout]).toEqual([0, "acknowledged 2\n"]);
    expect(acked.stderr).toContain(`not in mailbox's inbox: ${ask.id}`);
    expect(await cliOk(["inbox", "mailbox", "--json"], { home })).toBe(
      `${JSON.stringify({ messages: [], unread: 0 }, null, 2)}\n`,
    );
    expect(await cliOk(["inbox", "mailbox"], { home })).toBe("mailbox's inbox is empty.\n");
    // Without an agent: which of yours have unread messages (here one, from dave's agent).
    const dave = await createUser(gateway.url, gateway.adminToken, "dave");
    const daves = await createAgent(dave.api, { name: "daves-bot" });
    const publicMailbox = await user.api.call("PATCH", "/v1/agents/mailbox", { visibility: "public" });
    expect(publicMailbox.status).toBe(200);
    await apiClient(gateway.url, dave.token, { "x-agent-mesh-as": daves.name }).post(
      "/v1/agents/mailbox/inbox",
      {
        message: "hello from dave's bot",
      },
    );
    const waiting = JSON.parse(await cliOk(["inbox", "--json"], { home }));
    expect(waiting.find((look: { agent: string }) => look.agent === "mailbox")).toMatchObject({
      unread: 1,
      oldest: { kind: "message", text: "hello from dave's bot", from: { agent_name: "daves-bot" } },
    });
    expect(await cliOk(["inbox"], { home })).toMatch(
      /mailbox\s+1\s+message from daves-bot \(owner dave\), \d{4}-/,
    );
    const unnamed = await runCli(["inbox", "--reply", "msg_x"], { home });
    expect(unnamed.stderr).toContain("name the agent whose inbox");
    // One action at a time; and only your own agents' inboxes are read.
    const both = await runCli(["inbox", "mailbox", "--ack", "msg_x", "--send", "hi"], { home });
    expect(both).toMatchObject({
      code: 1,
      stderr: "agent-mesh: give one of --reply, --ack and --send. [invalid_option]\n",
    });
    const public_ = await createAgent(dave.api, { name: "daves-desk", visibility: "public" });
    expect(await cliOk(["inbox", public_.name, "--send", "hello dave"], { home })).toMatch(/^msg_/);
    const peek = await runCli(["inbox", public_.name], { home });
    expect(peek.code).toBe(1);
    expect(peek.stderr).toContain("[agent_not_found]");
  });

  it("inbox names a share link's holder as the link, by its label", async () => {
    await createAgent(user.api, { name: "frontdesk" });
    const share = await user.api.post("/v1/agents/frontdesk/shares", { label: "web form", sessions: true });
    await user.api.call("PUT", "/v1/agents/frontdesk/inbox/presence");
    try {
      const queued = await apiClient(share.body.url).post("messages", {
        message: "opening hours?",
        async: true,
      });
      expect(queued.status).toBe(202);
      await user.api.call("PUT", "/v1/agents/frontdesk/inbox/presence"); // the beat that offers it
      const read = await cliOk(["inbox", "frontdesk"], { home });
      expect(read).toMatch(
        new RegExp(
          `^ask for task ${queued.body.task_id} msg_\\w+ from share link “web form” \\(${share.body.id}\\),`,
        ),
      );
      expect(read).toContain("\n  opening hours?\n");
    } finally {
      await user.api.call("DELETE", "/v1/agents/frontdesk/inbox/presence");
    }
  });
});
