/**
 * An inbox on redis and upstash is listed from its sorted-set index, not a keyspace SCAN: a long-polling reader
 * fetches every 250 ms, and each SCAN walks the whole database. Messages stored by a version without the index are
 * indexed by the first fetch, once per deployment; an entry whose message never came is dropped once it is old.
 */
import { describe, expect, it } from "vitest";
import type { AgentRecord } from "../../gateway/src/domain/agents.ts";
import { createInboxService, type InboxMessage } from "../../gateway/src/domain/inbox.ts";
import { timeOfOrderedId, timeOrderedId } from "../../gateway/src/util/ids.ts";
import type { SessionStoreUnderTest } from "../contracts/session-store.ts";
import { orderedIdMadeAgo } from "../helpers/ids.ts";
import { countingScans, storesForIndexes } from "../helpers/store-harness.ts";

const agent = (id: string) => ({ id, name: id }) as AgentRecord;
const sender = { user: "alice" };
const texts = (messages: InboxMessage[]) => messages.map((m) => m.text);

function inboxSuite(name: string, open: () => Promise<SessionStoreUnderTest>, indexed: boolean) {
  describe(`inbox listing on ${name}`, () => {
    it("fetches oldest first, without a keyspace scan, and an acknowledged message leaves the index", async () => {
      const subject = await open();
      try {
        const { store, scans, ranges } = countingScans(subject.store);
        const inbox = createInboxService(store);
        await inbox.fetch("ag_new", { limit: 1, leaseSeconds: 1 }); // the one-time pass finds nothing
        scans.length = 0;
        ranges.length = 0;
        for (let n = 0; n < 70; n++) await inbox.send(agent("ag_a"), sender, { text: `a${n}` });
        await inbox.send(agent("ag_b"), sender, { text: "b0" });
        const first = await inbox.fetch("ag_a", { limit: 100, leaseSeconds: 60 });
        expect(texts(first.messages)).toEqual(Array.from({ length: 70 }, (_, n) => `a${n}`));
        expect(first.unread).toBe(70);
        // Leased: the next fetch skips them.
        expect((await inbox.fetch("ag_a", { limit: 100, leaseSeconds: 60 })).messages).toEqual([]);
        const acked = await inbox.ack(
          "ag_a",
          first.messages.slice(0, 68).map((m) => m.id),
        );
        expect(acked.acked).toHaveLength(68);
        expect(scans).toEqual([]);
        // Without sorted sets, the inbox's keys a chunk at a time (64): two reads per fetch of 70.
        expect(ranges).toEqual(indexed ? [] : Array(4).fill("inbox:ag_a:"));
        if (indexed) expect(await store.sortedSets!.range("inbox-index:ag_a")).toHaveLength(2);
        expect(texts((await inbox.fetch("ag_b", { limit: 5, leaseSeconds: 60 })).messages)).toEqual(["b0"]);
      } finally {
        await subject.cleanup();
      }
    });

    it("indexes messages stored before the index on the first fetch, once per deployment", async () => {
      const subject = await open();
      try {
        // What the version before the index wrote: the message and the unread count, no index entry.
        for (const text of ["old-1", "old-2"]) {
          const ulid = timeOrderedId();
          await subject.store.set(`inbox:ag_old:${ulid}`, {
            id: `msg_${ulid}`,
            kind: "message",
            to: { agent_id: "ag_old", agent_name: "old" },
            from: sender,
            text,
            created_at: new Date().toISOString(),
            deliveries: 0,
          } satisfies InboxMessage);
          await subject.store.increment("inbox-unread:ag_old");
        }
        const before = countingScans(subject.store);
        const fetched = await createInboxService(before.store).fetch("ag_old", { limit: 5, leaseSeconds: 1 });
        expect(texts(fetched.messages)).toEqual(["old-1", "old-2"]);
        expect(before.scans).toEqual(indexed ? ["inbox:"] : []);
        // Another process: the marker says it is done.
        const later = countingScans(subject.store);
        await createInboxService(later.store).fetch("ag_old", { limit: 5, leaseSeconds: 1 });
        expect(later.scans).toEqual([]);
      } finally {
        await subject.cleanup();
      }
    });

    if (indexed) {
      it("drops an entry whose message never came once it is a minute old, and keeps a young one", async () => {
        const subject = await open();
        try {
          const inbox = createInboxService(subject.store);
          await inbox.fetch("ag_x", { limit: 1, leaseSeconds: 1 });
          const old = orderedIdMadeAgo(120_000);
          const young = orderedIdMadeAgo(1000);
          expect(Date.now() - timeOfOrderedId(old)).toBeGreaterThanOrEqual(120_000);
          await subject.store.sortedSets!.add("inbox-index:ag_x", old, 0);
          await subject.store.sortedSets!.add("inbox-index:ag_x", young, 0);
          await inbox.send(agent("ag_x"), sender, { text: "real" });
          const fetched = await inbox.fetch("ag_x", { limit: 5, leaseSeconds: 1 });
          expect(texts(fetched.messages)).toEqual(["real"]);
          const left = await subject.store.sortedSets!.range("inbox-index:ag_x");
          expect(left).not.toContain(old);
          expect(left).toContain(young);
          expect(left).toHaveLength(2);
        } finally {
          await subject.cleanup();
        }
      });
    }
  });
}

for (const { name, open, indexed } of await storesForIndexes()) inboxSuite(name, open, indexed);
