/**
 * Which messages an inbox holds, without a keyspace scan. A fetch used to list `inbox:<agentId>:`, which on redis
 * and upstash is a SCAN of the whole database, and a long-polling reader fetches every 250 ms. On those stores
 * each inbox now has a sorted set, `inbox-index:<agentId>`, of its messages' ulids (score 0, so byte order, which
 * is time order), read a chunk at a time. Other stores list the prefix from their in-memory key index (memory, fs)
 * or natively (Durable Objects), which costs only the size of the answer.
 *
 * An entry is a hint: it is added before its message is written and removed after the message is acknowledged.
 * A reader that finds no message for an entry drops the entry once it is a minute old (a younger one's message
 * may still be on its way), so a crash between the two writes leaves nothing that is read for long.
 *
 * Deployments with messages from before the index: the first fetch in a process runs ONE pass over `inbox:` that
 * indexes every message, then sets `meta:inbox-index`, so no process does it again.
 * @module
 */
import type { SessionStore } from "../session-stores/types.ts";
import { keysUnder } from "../util/keys-under.ts";
import {
  danglingLongEnough,
  type IndexPass,
  inBatches,
  membersOf,
  oncePerDeployment,
} from "../util/sorted-index.ts";

export const INBOX_INDEX_PASS: IndexPass = { marker: "meta:inbox-index", reads: "inbox:" };
/** Ulids read from a sorted set at once. */
const CHUNK = 64;

const setKey = (agentId: string) => `inbox-index:${agentId}`;
const messagePrefix = (agentId: string) => `inbox:${agentId}:`;

export function createInboxIndex(store: SessionStore) {
  const sets = store.sortedSets;
  const migrate = oncePerDeployment(store, INBOX_INDEX_PASS.marker, async () => {
    if (!sets) return;
    await inBatches(await store.keys(INBOX_INDEX_PASS.reads), (key) => {
      const [, agentId, ulid] = key.split(":") as [string, string, string];
      return sets.add(setKey(agentId), ulid, 0);
    });
  });

  return {
    /** Before the message is written. */
    async add(agentId: string, ulid: string): Promise<void> {
      if (sets) await sets.add(setKey(agentId), ulid, 0);
    },

    /** After the message is gone (acknowledged). */
    async remove(agentId: string, ulid: string): Promise<void> {
      if (sets) await sets.remove(setKey(agentId), ulid);
    },

    /** The ulids of the inbox's messages, oldest first, read as the caller goes. */
    async *ulids(agentId: string): AsyncGenerator<string> {
      if (!sets) return yield* keysUnder(store, messagePrefix(agentId), { chunk: CHUNK, direction: "up" });
      await migrate();
      yield* membersOf(sets, setKey(agentId), { chunk: CHUNK, direction: "up" });
    },

    /** The reader found no message for this entry: dropped if it is old enough that none is coming. */
    async noMessage(agentId: string, ulid: string, now = Date.now()): Promise<void> {
      if (sets && danglingLongEnough(ulid, now)) await sets.remove(setKey(agentId), ulid);
    },
  };
}
