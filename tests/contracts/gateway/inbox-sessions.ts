/**
 * Inbox contract for an agent online as a person's interactive session: presence, messages and share-link asks
 * answered from the session's inbox (plain and streamed, over messages and MCP), the session's model reading who
 * asked, the sync timeout, and queued tasks and next turns offered to the session as asks.
 */
import { describe, expect, it } from "vitest";
import { apiClient, eventData } from "../../helpers/api.ts";
import { connectAgent } from "../../helpers/fixtures.ts";
import { mcpClient, resultText } from "../../helpers/mcp-client.ts";
import { waitFor } from "../../helpers/wait.ts";
import { inboxSetup } from "./inbox.ts";
import type { GatewayContext } from "./index.ts";

export function inboxSessionsContract(ctx: () => GatewayContext): void {
  const setup = inboxSetup(ctx);

  describe("inbox", () => {
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
