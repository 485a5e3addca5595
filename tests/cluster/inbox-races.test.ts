/**
 * Inbox messages and asks handled by two gateway nodes at once (two connections to one Redis, see
 * `sharedRedisForFile`): an acknowledgement on one node racing a fetch (lease) on the other, two fetches at once,
 * and two replies to one ask. Before leases and replies were compare-and-set steps, a fetch wrote an acknowledged
 * message back (it was handed out again), two fetches leased the same message, and both replies were accepted.
 */
import { describe, expect, it } from "vitest";
import { createInboxService } from "../../gateway/src/domain/inbox.ts";
import { agentRecord } from "../helpers/fixtures.ts";
import { sharedRedisForFile } from "../helpers/shared-redis.ts";
import { sleep } from "../helpers/wait.ts";

const redis = await sharedRedisForFile();
const ROUNDS = 20;
const MESSAGES = 16;

const agent = (id: string, name: string) => agentRecord({ id, name, owner: "ada" });

function twoNodes() {
  const [storeA, storeB] = redis!.pair();
  return { a: createInboxService(storeA), b: createInboxService(storeB) };
}

const sender = { user: "bob" };

// Skipped only without redis-server: sharedRedisForFile printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!redis)("inbox messages handled by two nodes at once", () => {
  it("an acknowledgement on one node racing a fetch on the other: an acknowledged message never comes back", async () => {
    const { a, b } = twoNodes();
    const back: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const to = agent(`ag_${round.toString(16).padStart(16, "0")}`, `ack-${round}`);
      const sent = [];
      for (let i = 0; i < MESSAGES; i++) sent.push(await a.send(to, sender, { text: `m${i}` }));
      const ids = sent.map((message) => message.id);
      // Half the rounds the fetch leaves first, half the acknowledgement, the other a random moment later.
      const fetch = (): Promise<unknown> => a.fetch(to.id, { limit: MESSAGES, leaseSeconds: 0 });
      const ack = (): Promise<unknown> => b.ack(to.id, ids);
      const [first, second] = round % 2 ? [fetch, ack] : [ack, fetch];
      await Promise.all([first(), sleep(Math.random()).then(second)]);
      // Leases of 0 s have run out: whatever is still in the inbox is handed out again.
      const again = await a.fetch(to.id, { limit: MESSAGES, leaseSeconds: 60 });
      back.push(...again.messages.map((message) => `round ${round}: ${message.text}`));
    }
    expect(back, "acknowledged messages handed out again").toEqual([]);
  });

  it("two fetches at once on two nodes lease each message to one of them", async () => {
    const { a, b } = twoNodes();
    const twice: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const to = agent(`ag_${(round + 4096).toString(16).padStart(16, "0")}`, `fetch-${round}`);
      for (let i = 0; i < MESSAGES; i++) await a.send(to, sender, { text: `m${i}` });
      const [fromA, fromB] = await Promise.all([
        a.fetch(to.id, { limit: MESSAGES, leaseSeconds: 60 }),
        b.fetch(to.id, { limit: MESSAGES, leaseSeconds: 60 }),
      ]);
      const seenByA = new Set(fromA.messages.map((message) => message.id));
      for (const message of fromB.messages)
        if (seenByA.has(message.id)) twice.push(`round ${round}: ${message.text}`);
      // Nothing is lost either: between them they leased every message, each once.
      expect(
        fromA.messages.length +
          fromB.messages.length -
          twice.filter((t) => t.startsWith(`round ${round}:`)).length,
      ).toBe(MESSAGES);
      for (const message of [...fromA.messages, ...fromB.messages]) expect(message.deliveries).toBe(1);
    }
    expect(twice, "messages leased to both fetches").toEqual([]);
  });

  it("two replies to one ask on two nodes: one is accepted, the other answers already_replied", async () => {
    const { a, b } = twoNodes();
    const asker = agent("ag_00000000000a0001", "asker");
    const replier = agent("ag_00000000000a0002", "replier");
    const broken: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ask = await a.send(
        replier,
        { user: "ada", agent_id: asker.id, agent_name: asker.name },
        {
          text: `question ${round}`,
          kind: "ask",
        },
      );
      const outcomes = await Promise.allSettled([
        a.reply(replier, sender, ask.id, `from A ${round}`),
        b.reply(replier, sender, ask.id, `from B ${round}`),
      ]);
      const accepted = outcomes.filter((o) => o.status === "fulfilled");
      const refused = outcomes.filter((o) => o.status === "rejected");
      if (accepted.length !== 1) broken.push(`round ${round}: ${accepted.length} replies accepted`);
      for (const o of refused)
        expect((o as PromiseRejectedResult).reason).toMatchObject({ code: "already_replied" });
      const answer = await a.awaitReply(ask.id, 1000);
      if (
        accepted.length === 1 &&
        answer?.text !== (accepted[0] as PromiseFulfilledResult<{ text: string }>).value.text
      )
        broken.push(`round ${round}: the asker got ${answer?.text}, not the accepted reply`);
    }
    expect(broken).toEqual([]);
    // The reply copies delivered to the asker's inbox: one per ask (each acknowledged by awaitReply).
    expect((await a.fetch(asker.id, { limit: 100, leaseSeconds: 60 })).messages).toEqual([]);
  });
});
