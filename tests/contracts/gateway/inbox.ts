/** Inbox contract: verified senders, at-least-once delivery with leases and acks, asks answered by replies. */
import { describe, expect, it } from "vitest";
import { apiClient } from "../../helpers/api.ts";
import { createAgent, createUser } from "../../helpers/fixtures.ts";
import { sleep } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

/** Makes the inbox contracts' `setup(name)`: alice with a public agent `dev`, bob with a public agent `tester`. */
export function inboxSetup(ctx: () => GatewayContext) {
  return async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const alice = await createUser(url, adminToken, `${name}-a`);
    const bob = await createUser(url, adminToken, `${name}-b`);
    const dev = await createAgent(alice.api, { visibility: "public" });
    const tester = await createAgent(bob.api, { visibility: "public" });
    /** Bob's client acting as his agent `tester`. */
    const asTester = apiClient(url, bob.token, { "x-agent-mesh-as": tester.name });
    return { url, alice, bob, dev, tester, asTester };
  };
}

export function inboxContract(ctx: () => GatewayContext): void {
  const setup = inboxSetup(ctx);

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
  });
}
