/** Inbox contract: verified senders, at-least-once delivery with leases and acks, asks answered by replies. */
import { describe, expect, it } from "vitest";
import { apiClient, eventData } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { mcpClient, resultText } from "../../helpers/mcp-client.ts";
import { sleep, waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

export function inboxContract(ctx: () => GatewayContext): void {
  async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const alice = await createUser(url, adminToken, `${name}-a`);
    const bob = await createUser(url, adminToken, `${name}-b`);
    const dev = await createAgent(alice.api, { visibility: "public" });
    const tester = await createAgent(bob.api, { visibility: "public" });
    /** Bob's client acting as his agent `tester`. */
    const asTester = apiClient(url, bob.token, { "x-agent-mesh-as": tester.name });
    return { url, alice, bob, dev, tester, asTester };
  }

  describe("inbox", () => {
    it("stores messages with the verified sender and redelivers them until acknowledged", async () => {
      const { alice, dev, tester, asTester } = await setup("inbox-basic");
      const sent = await asTester.post(`/v1/agents/${dev.name}/inbox`, { message: "build is green" });
      expect(sent.status).toBe(201);
      expect(sent.body.from).toEqual({
        user: expect.any(String),
        agent_id: tester.id,
        agent_name: tester.name,
      });
      const fetchedFrom = Date.now();
      const first = await alice.api.get(`/v1/agents/${dev.name}/inbox?lease=1`);
      expect(first.body.messages.map((m: { text: string }) => m.text)).toEqual(["build is green"]);
      expect(first.body.messages[0].deliveries).toBe(1);
      // The lease's end is an ISO time, as every time the API answers with: a second after the fetch.
      const leasedUntil = first.body.messages[0].leased_until;
      expect(leasedUntil).toBe(new Date(leasedUntil).toISOString());
      expect(Date.parse(leasedUntil)).toBeGreaterThanOrEqual(fetchedFrom + 1000);
      expect(Date.parse(leasedUntil)).toBeLessThanOrEqual(Date.now() + 1000);
      // Leased: a second fetch right away does not hand it out again.
      expect((await alice.api.get(`/v1/agents/${dev.name}/inbox`)).body.messages).toEqual([]);
      // A look (peek) shows it all the same and takes nothing: no new lease, no delivery counted.
      const peeked = await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=true`);
      expect(peeked.body).toEqual({
        messages: [expect.objectContaining({ id: sent.body.id, deliveries: 1, leased_until: leasedUntil })],
        unread: 1,
      });
      const badPeek = await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=yes`);
      expect([badPeek.status, badPeek.body.error.code]).toEqual([400, "invalid_request"]);
      await sleep(1100);
      const again = await alice.api.get(`/v1/agents/${dev.name}/inbox`);
      expect(again.body.messages[0]).toMatchObject({ id: sent.body.id, deliveries: 2 });
      const acked = await alice.api.post(`/v1/agents/${dev.name}/inbox/ack`, {
        ids: [sent.body.id, "msg_x"],
      });
      expect(acked.body).toEqual({ acked: [sent.body.id], unknown: ["msg_x"] });
      await sleep(1100);
      expect((await alice.api.get(`/v1/agents/${dev.name}/inbox`)).body).toEqual({ messages: [], unread: 0 });
    });

    it("refuses forged senders, strangers reading, and oversized messages", async () => {
      const { url, alice, bob, dev } = await setup("inbox-refuse");
      const forged = apiClient(url, bob.token, { "x-agent-mesh-as": dev.name });
      const res = await forged.post(`/v1/agents/${dev.name}/inbox`, { message: "I am dev" });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("not_your_agent");
      const peek = await bob.api.get(`/v1/agents/${dev.name}/inbox`);
      expect(peek.status).toBe(404);
      const big = await bob.api.post(`/v1/agents/${dev.name}/inbox`, { message: "x".repeat(70_000) });
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe("message_too_large");
      expect((await alice.api.get(`/v1/agents/${dev.name}/inbox`)).body.messages).toEqual([]);
    });

    it("long-polls for a message, and answers an ask with a reply the asker receives", async () => {
      const { alice, dev, tester, asTester } = await setup("inbox-ask");
      const asking = asTester.post(`/v1/agents/${dev.name}/asks`, {
        message: "is main green?",
        timeout_seconds: 10,
      });
      const polled = await alice.api.get(`/v1/agents/${dev.name}/inbox?wait=5`);
      const ask = polled.body.messages[0];
      expect(ask).toMatchObject({ kind: "ask", text: "is main green?", from: { agent_id: tester.id } });
      const replied = await alice.api.post(`/v1/agents/${dev.name}/inbox/${ask.id}/reply`, {
        message: "yes",
      });
      expect(replied.status).toBe(201);
      const answer = await asking;
      expect(answer.status).toBe(200);
      expect(answer.body.reply).toMatchObject({ kind: "reply", text: "yes", in_reply_to: ask.id });
      expect(answer.body.reply.from).toMatchObject({ agent_id: dev.id });
      // Answered is handled: the ask left dev's inbox with its reply.
      expect((await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=true`)).body).toEqual({
        messages: [],
        unread: 0,
      });
      const twice = await alice.api.post(`/v1/agents/${dev.name}/inbox/${ask.id}/reply`, {
        message: "again",
      });
      expect(twice.body.error.code).toBe("already_replied");
    });

    it("ends an unanswered ask with ask_timeout, and the late reply lands in the asker's inbox", async () => {
      const { bob, dev, tester, alice, asTester } = await setup("inbox-late");
      const res = await asTester.post(`/v1/agents/${dev.name}/asks`, {
        message: "anyone?",
        timeout_seconds: 1,
      });
      expect(res.status).toBe(504);
      expect(res.body.error.code).toBe("ask_timeout");
      expect(res.body.error.message).toContain(`lands in ${tester.name}'s inbox`);
      const [ask] = (await alice.api.get(`/v1/agents/${dev.name}/inbox`)).body.messages;
      await alice.api.post(`/v1/agents/${dev.name}/inbox/${ask.id}/reply`, { message: "late but here" });
      const inbox = await bob.api.get(`/v1/agents/${tester.name}/inbox`);
      expect(inbox.body.messages).toEqual([
        expect.objectContaining({ kind: "reply", text: "late but here", in_reply_to: ask.id }),
      ]);
    });

    it("counts inbox sends and asks against the token's rate limit, as messages, MCP and A2A are", async () => {
      const { bob, dev } = await setup("inbox-rate");
      // Spend bob's budget (600 a minute by default) on the inbox door alone: sends to an agent nobody can see
      // are counted before they are refused, and store nothing.
      let spent = 0;
      let refused = 0;
      while (refused === 0 && spent < 1000) {
        const batch = await Promise.all(
          Array.from({ length: 50 }, () =>
            bob.api.post("/v1/agents/no-such-agent-here/inbox", { message: "x" }),
          ),
        );
        spent += batch.length;
        refused = batch.filter((res) => res.status === 429).length;
      }
      expect(refused, `no 429 after ${spent} inbox sends`).toBeGreaterThan(0);
      for (const path of [`/v1/agents/${dev.name}/inbox`, `/v1/agents/${dev.name}/asks`]) {
        const res = await bob.api.post(path, { message: "one more", timeout_seconds: 1 });
        expect([res.status, res.body.error?.code], path).toEqual([429, "rate_limited"]);
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
      // One budget across doors: the messages door is refused too.
      const message = await bob.api.post(`/v1/agents/${dev.name}/messages`, { message: "hi", async: true });
      expect(message.status).toBe(429);
    });

    it("tells a replier when nobody receives the reply, and refuses replies to messages, blank and ill-formed text", async () => {
      const { alice, bob, dev } = await setup("inbox-undelivered");
      // Bob asks as himself (no inbox of his own) and gives up after a second.
      const gaveUp = await bob.api.post(`/v1/agents/${dev.name}/asks`, {
        message: "quick q",
        timeout_seconds: 1,
      });
      expect(gaveUp.body.error.code).toBe("ask_timeout");
      const [ask] = (await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=true`)).body.messages;
      const late = await alice.api.post(`/v1/agents/${dev.name}/inbox/${ask.id}/reply`, {
        message: "too late",
      });
      expect(late.status).toBe(201);
      expect(late.body).toMatchObject({ kind: "reply", in_reply_to: ask.id, delivered: false });
      expect(late.body.reason).toContain("stopped waiting and has no inbox; your reply was not delivered");
      // A reply to an ask whose asker still waits is delivered.
      const waiting = bob.api.post(`/v1/agents/${dev.name}/asks`, {
        message: "still here",
        timeout_seconds: 10,
      });
      const [second] = (await alice.api.get(`/v1/agents/${dev.name}/inbox?wait=5`)).body.messages;
      const onTime = await alice.api.post(`/v1/agents/${dev.name}/inbox/${second.id}/reply`, {
        message: "ok",
      });
      expect([onTime.status, onTime.body.delivered]).toEqual([201, true]);
      expect((await waiting).body.reply.text).toBe("ok");

      const plain = await bob.api.post(`/v1/agents/${dev.name}/inbox`, { message: "fyi" });
      const toMessage = await alice.api.post(`/v1/agents/${dev.name}/inbox/${plain.body.id}/reply`, {
        message: "thanks",
      });
      expect([toMessage.status, toMessage.body.error.code]).toEqual([404, "ask_not_found"]);
      expect(toMessage.body.error.message).toContain("is a message, not an ask");
      for (const text of ["   ", "\n\t", "a\ud800b", "\udc00"]) {
        const sent = await bob.api.post(`/v1/agents/${dev.name}/inbox`, { message: text });
        expect([sent.status, sent.body.error?.code], JSON.stringify(text)).toEqual([400, "invalid_request"]);
      }
      const blankReply = await alice.api.post(`/v1/agents/${dev.name}/inbox/${plain.body.id}/reply`, {
        message: " ",
      });
      expect(blankReply.status).toBe(400);
      // A surrogate pair (an emoji) is text like any other.
      expect((await bob.api.post(`/v1/agents/${dev.name}/inbox`, { message: "\u{1F600}" })).status).toBe(201);
    });

    it("shows an agent with an interactive session as online in interactive mode", async () => {
      const { alice, dev } = await setup("inbox-presence");
      const before = await alice.api.get(`/v1/agents/${dev.name}`);
      expect(before.body).toMatchObject({ online: false, mode: "offline" });
      expect((await alice.api.call("PUT", `/v1/agents/${dev.name}/inbox/presence`)).status).toBe(200);
      const during = await alice.api.get(`/v1/agents/${dev.name}`);
      expect(during.body).toMatchObject({ online: true, mode: "interactive" });
      await alice.api.call("DELETE", `/v1/agents/${dev.name}/inbox/presence`);
      expect((await alice.api.get(`/v1/agents/${dev.name}`)).body.mode).toBe("offline");
      const offline = await alice.api.post(`/v1/agents/${dev.name}/messages`, { message: "hi" });
      expect(offline.body.error.message).toContain("is not connected");
    });

    it("asks a person's session through its inbox when a message finds no connector, and answers with its reply", async () => {
      const { alice, bob, dev } = await setup("inbox-session-ask");
      await alice.api.call("PUT", `/v1/agents/${dev.name}/inbox/presence`);
      /** The person at the session: reads the next ask and replies to it. */
      const answerNextAsk = async (text: string) => {
        const polled = await alice.api.get(`/v1/agents/${dev.name}/inbox?wait=5`);
        const ask = polled.body.messages[0];
        await alice.api.post(`/v1/agents/${dev.name}/inbox/${ask.id}/reply`, { message: text });
        return ask;
      };

      const waiting = bob.api.post(`/v1/agents/${dev.name}/messages`, { message: "is main green?" });
      const ask = await answerNextAsk("yes, since 10:02");
      expect(ask).toMatchObject({ kind: "ask", text: "is main green?", from: { user: expect.any(String) } });
      const answer = await waiting;
      expect([answer.status, answer.body]).toEqual([
        200,
        { result: "yes, since 10:02", session_id: "", attachments: [], ask_id: ask.id },
      ]);

      // The same as a stream: where the message went, then the reply as `done`.
      const streaming = bob.api.stream(`/v1/agents/${dev.name}/messages`, { message: "and the release?" });
      const streamedAsk = await answerNextAsk("tagged");
      const streamed = await streaming;
      expect(streamed.status).toBe(200);
      expect(streamed.events.map((e) => e.event)).toEqual(["chunk", "done"]);
      expect(eventData(streamed.events, "chunk")[0]).toMatchObject({ kind: "status" });
      expect(eventData(streamed.events, "chunk")[0].delta).toContain("asked in its inbox");
      expect(eventData(streamed.events, "done")[0]).toEqual({
        result: "tagged",
        session_id: "",
        attachments: [],
      });
      expect(streamedAsk.text).toBe("and the release?");
    });

    it("asks a person's session for a share link's holder when the link was made to, over messages and MCP", async () => {
      const { alice, dev } = await setup("inbox-session-share");
      await alice.api.call("PUT", `/v1/agents/${dev.name}/inbox/presence`);
      // A plain link does not reach the session: refused, saying what the agent is, and nothing is asked.
      const plain = await alice.api.post(`/v1/agents/${dev.name}/shares`, {});
      const refused = await apiClient(plain.body.url).post("messages", { message: "hi" });
      expect([refused.status, refused.body.error.code]).toEqual([503, "agent_offline"]);
      expect(refused.body.error.message).toContain("person's interactive session");
      const plainMcp = await mcpClient(`${plain.body.url}mcp`, "modern");
      try {
        const asked = await plainMcp.client.callTool({
          name: "ask_agent",
          arguments: { to: dev.name, message: "hi" },
        });
        expect([asked.isError, resultText(asked)]).toEqual([true, expect.stringMatching(/^agent_offline:/)]);
      } finally {
        await plainMcp.close();
      }
      expect((await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=true`)).body.messages).toEqual([]);

      const share = await alice.api.post(`/v1/agents/${dev.name}/shares`, {
        label: "docs page",
        sessions: true,
      });
      expect(share.body.sessions).toBe(true);
      // Each link's guide tells its reader what the link does.
      expect(await (await fetch(share.body.url)).text()).toContain("asked in its inbox");
      expect(await (await fetch(plain.body.url)).text()).not.toContain("asked in its inbox");
      /** The person at the session: reads the next ask, checks it came from the link, and replies. */
      const answerNextAsk = async (text: string) => {
        const polled = await alice.api.get(`/v1/agents/${dev.name}/inbox?wait=5`);
        const ask = polled.body.messages[0];
        // Named by the link's label as it was when asked: the owner knows a link by it, not by its id.
        expect(ask.from).toEqual({ user: `share.${share.body.id}`, label: "docs page" });
        await alice.api.post(`/v1/agents/${dev.name}/inbox/${ask.id}/reply`, { message: text });
        return ask;
      };

      const waiting = apiClient(share.body.url).post("messages", { message: "is the doc current?" });
      const ask = await answerNextAsk("yes, as of today");
      expect(ask).toMatchObject({ kind: "ask", text: "is the doc current?" });
      const answer = await waiting;
      expect([answer.status, answer.body]).toEqual([
        200,
        { result: "yes, as of today", session_id: "", attachments: [], ask_id: ask.id },
      ]);

      const { client, close } = await mcpClient(`${share.body.url}mcp`, "modern");
      try {
        const asking = client.callTool({
          name: "ask_agent",
          arguments: { to: dev.name, message: "via mcp" },
        });
        const mcpAsk = await answerNextAsk("over mcp too");
        expect(mcpAsk.text).toBe("via mcp");
        const result = await asking;
        expect(result.isError).toBeFalsy();
        expect(resultText(result)).toBe(
          `over mcp too\nagent: ${dev.name}\nsession_id: none (a person answered from the agent's inbox; each ask stands alone)`,
        );
      } finally {
        await close();
      }

      // The session's model reads who asked: the link, named as such.
      const { url } = ctx().gateway;
      await apiClient(share.body.url).post("messages", { message: "queued for the person", async: true });
      const asDev = await mcpClient(`${url}/mcp`, "modern", {
        authorization: `Bearer ${alice.token}`,
        "x-agent-mesh-as": dev.name,
      });
      try {
        const read = resultText(await asDev.client.callTool({ name: "check_messages", arguments: {} }));
        expect(read).toContain("queued for the person");
        expect(read).toContain(
          `from: share link “docs page” (${share.body.id}), someone holding a link to this agent`,
        );
      } finally {
        await asDev.close();
      }
    });

    it("ends a streamed ask nobody answers with ask_timeout after the sync timeout, the ask left in the inbox", async () => {
      const { alice, bob, dev } = await setup("inbox-session-quiet");
      await alice.api.call("PUT", `/v1/agents/${dev.name}/inbox/presence`);
      let askId: string | null = null;
      const streamed = await bob.api.stream(
        `/v1/agents/${dev.name}/messages`,
        { message: "still there?" },
        { onResponse: (res) => (askId = res.headers.get("x-agent-mesh-ask-id")) },
      );
      expect(eventData(streamed.events, "error")).toEqual([
        {
          code: "ask_timeout",
          // Asked as a person, not as one of their agents: a late reply has no inbox to land in, and it says so.
          message: `${dev.name} did not reply within 5 s; the ask stays in its inbox (${askId}); to receive a late reply, ask as one of your agents (X-Agent-Mesh-As: <agent>), whose inbox gets it.`,
        },
      ]);
      const { messages } = (await alice.api.get(`/v1/agents/${dev.name}/inbox`)).body;
      expect(messages.map((m: { id: string; kind: string }) => [m.id, m.kind])).toEqual([[askId, "ask"]]);
    });
    it("offers a queued task to a person's session as an ask in its inbox, and the reply completes the task", async () => {
      const { alice, bob, dev } = await setup("inbox-session-task");
      await alice.api.call("PUT", `/v1/agents/${dev.name}/inbox/presence`);
      const accepted = await bob.api.post(`/v1/agents/${dev.name}/messages`, {
        message: "summarize the logs",
        async: true,
      });
      expect(accepted.status).toBe(202);
      const taskId = accepted.body.task_id;
      // A look takes nothing, offers included; the session's own read gets the task as an ask.
      expect((await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=true`)).body.messages).toEqual([]);
      const read = await alice.api.get(`/v1/agents/${dev.name}/inbox`);
      expect(read.body.messages).toEqual([
        expect.objectContaining({
          kind: "ask",
          task_id: taskId,
          text: "summarize the logs",
          from: { user: bob.name },
        }),
      ]);
      const askId = read.body.messages[0].id;
      // Offered once: reads and beats after it add nothing.
      await alice.api.call("PUT", `/v1/agents/${dev.name}/inbox/presence`);
      await alice.api.get(`/v1/agents/${dev.name}/inbox`);
      expect((await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=true`)).body.messages).toHaveLength(1);
      expect((await bob.api.get(`/v1/tasks/${taskId}`)).body).toMatchObject({
        status: "submitted",
        inbox_ask: askId,
      });

      const replied = await alice.api.post(`/v1/agents/${dev.name}/inbox/${askId}/reply`, {
        message: "three warnings, no errors",
      });
      expect(replied.status).toBe(201);
      expect(replied.body).toMatchObject({ kind: "reply", in_reply_to: askId, task_id: taskId });
      const done = (await bob.api.get(`/v1/tasks/${taskId}`)).body;
      expect(done).toMatchObject({
        status: "completed",
        result: "three warnings, no errors",
        attachments: [],
      });
      expect(done.inbox_ask).toBeUndefined();
      expect((await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=true`)).body.messages).toEqual([]);
      const twice = await alice.api.post(`/v1/agents/${dev.name}/inbox/${askId}/reply`, { message: "again" });
      expect([twice.status, twice.body.error.code]).toEqual([409, "already_replied"]);
    });

    it("lets a connector that comes while the person thinks take the offered task, and refuses the late reply", async () => {
      const { url, alice, bob, dev } = await setup("inbox-session-taken");
      await alice.api.call("PUT", `/v1/agents/${dev.name}/inbox/presence`);
      const accepted = await bob.api.post(`/v1/agents/${dev.name}/messages`, {
        message: "ping",
        async: true,
      });
      const taskId = accepted.body.task_id;
      const [ask] = (await alice.api.get(`/v1/agents/${dev.name}/inbox`)).body.messages;
      expect(ask).toMatchObject({ kind: "ask", task_id: taskId });
      const agent = await connectAgent(url, alice.token, dev.name);
      try {
        const ran = await waitFor(async () => {
          const task = (await bob.api.get(`/v1/tasks/${taskId}`)).body;
          return task.status === "completed" ? task : null;
        });
        expect(ran.result).toBe("ping");
        const late = await alice.api.post(`/v1/agents/${dev.name}/inbox/${ask.id}/reply`, {
          message: "pong",
        });
        expect([late.status, late.body.error.code]).toEqual([409, "task_taken"]);
        expect(late.body.error.message).toBe(
          `Task ${taskId} no longer waits for this reply: it already ended (completed).`,
        );
        // The refused ask left the inbox; the task kept the connector's result.
        expect((await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=true`)).body.messages).toEqual([]);
        expect((await bob.api.get(`/v1/tasks/${taskId}`)).body.result).toBe("ping");
        // Served by a connector, the agent's tasks are not offered to the session.
        const next = await bob.api.post(`/v1/agents/${dev.name}/messages`, { message: "again", async: true });
        await waitFor(
          async () => (await bob.api.get(`/v1/tasks/${next.body.task_id}`)).body.status === "completed",
        );
        expect((await alice.api.get(`/v1/agents/${dev.name}/inbox`)).body.messages).toEqual([]);
      } finally {
        agent.stop();
      }
    });

    it("offers the next turn of a task its connector left waiting for input, with the turns before it", async () => {
      const { url, alice, bob, dev } = await setup("inbox-session-turn");
      const agent = await connectAgent(url, alice.token, dev.name, (_request, reply) =>
        reply.done("For how many?", { inputRequired: true }),
      );
      const accepted = await bob.api.post(`/v1/agents/${dev.name}/messages`, {
        message: "book a table",
        async: true,
      });
      const taskId = accepted.body.task_id;
      await waitFor(async () => (await bob.api.get(`/v1/tasks/${taskId}`)).body.status === "input-required");
      agent.stop();
      await waitFor(async () => (await alice.api.get(`/v1/agents/${dev.name}`)).body.online === false);
      expect((await bob.api.post(`/v1/tasks/${taskId}/messages`, { message: "four" })).status).toBe(202);
      const [ask] = (await alice.api.get(`/v1/agents/${dev.name}/inbox`)).body.messages;
      expect(ask).toMatchObject({
        task_id: taskId,
        text: "four\n\n(Earlier in this task:\ncaller: book a table\nagent: For how many?)",
      });
      await alice.api.post(`/v1/agents/${dev.name}/inbox/${ask.id}/reply`, { message: "Booked for four." });
      expect((await bob.api.get(`/v1/tasks/${taskId}`)).body).toMatchObject({
        status: "completed",
        turn: 2,
        result: "Booked for four.",
      });
    });
  });
}
