/**
 * Which agents a caller may see, by name, without reading every agent in the store: a listing used to read all
 * of them (every user's) and filter, so with a large fleet each `GET /v1/agents` cost the whole fleet, even for a
 * caller who sees none of it. Two indexes of lowercase names:
 *
 * - the agents each user owns: `agents-owned:<user>` (a sorted set) or keys `agent-owned:<user>:<name>`;
 * - the public agents: `agents-public` or keys `agent-public:<name>`.
 *
 * Sorted sets on stores whose `keys` is a scan of the whole database (redis, upstash); prefix keys elsewhere, which
 * those stores answer from an in-memory index (memory, fs) or natively (Durable Objects). An admin sees every
 * agent: on redis and upstash from a third set, `agents-all` (the web page polls the listing every 3 s), elsewhere
 * from the name claims (`agent-name:`).
 *
 * An entry is a hint, never trusted alone: the listing reads the agent by name and keeps it only if it still
 * has that name, that owner, or is still public. So entries are added before the record is written (a crash
 * between leaves an entry that leads nowhere, not an agent that is never listed) and again after it (a delete
 * that freed the name may have dropped the entry in between: see `forget`), and an entry left behind by a rename,
 * a visibility change or a race with a delete costs one read per listing and nothing else.
 *
 * Deployments with agents from before the index: the first listing in a process runs ONE pass over `agent:`
 * that indexes every agent, then sets `meta:agent-directory-index:2`, so no process does it again (`:2`: the pass
 * that also fills `agents-all`; a deployment indexed by the version before runs it once more).
 * @module
 */
import type { SessionStore } from "../session-stores/types.ts";
import { keysUnder } from "../util/keys-under.ts";
import { type IndexPass, inBatches, membersOf, oncePerDeployment } from "../util/sorted-index.ts";
import type { AgentRecord } from "./agents.ts";
import type { Caller } from "./caller.ts";

export const DIRECTORY_INDEX_PASS: IndexPass = { marker: "meta:agent-directory-index:2", reads: "agent:" };
/** Names read from a sorted set at once. */
const NAMES_CHUNK = 256;

/** `all` exists on sorted sets only: other stores list the name claims themselves. */
type Index = { kind: "owned"; user: string } | { kind: "public" } | { kind: "all" };

export function createAgentDirectory(store: SessionStore) {
  const sets = store.sortedSets;
  const setKey = (index: Index) =>
    index.kind === "owned"
      ? `agents-owned:${index.user}`
      : index.kind === "public"
        ? "agents-public"
        : "agents-all";
  const keyPrefix = (index: Index) =>
    index.kind === "owned"
      ? `agent-owned:${index.user}:`
      : index.kind === "public"
        ? "agent-public:"
        : "agent-name:";

  async function add(index: Index, name: string): Promise<void> {
    if (sets) await sets.add(setKey(index), name, 0);
    else if (index.kind !== "all") await store.set(`${keyPrefix(index)}${name}`, 1);
  }

  async function remove(index: Index, name: string): Promise<void> {
    if (sets) await sets.remove(setKey(index), name);
    else if (index.kind !== "all") await store.delete(`${keyPrefix(index)}${name}`);
  }

  /**
   * The index's names after `after` (undefined: all), in byte order (names are lowercase ASCII). A sorted set, or
   * the prefix keys in key ranges (util/keys-under.ts), are read a chunk at a time, so a page of a user with 100,000
   * agents does not fetch all their names (on Workers, over RPC).
   */
  async function* names(index: Index, after: string | undefined): AsyncGenerator<string> {
    if (sets) yield* membersOf(sets, setKey(index), { from: after, chunk: NAMES_CHUNK, direction: "up" });
    else yield* keysUnder(store, keyPrefix(index), { from: after, chunk: NAMES_CHUNK, direction: "up" });
  }

  const migrate = oncePerDeployment(store, DIRECTORY_INDEX_PASS.marker, async () => {
    await inBatches(await store.keys(DIRECTORY_INDEX_PASS.reads), async (key) => {
      const agent = await store.get<AgentRecord>(key);
      if (agent) await indexAgent(agent);
    });
  });

  /** Entries for the agent as it is (or is about to be written): its owner's, and the public one if public. */
  async function indexAgent(agent: Pick<AgentRecord, "name" | "owner" | "visibility">): Promise<void> {
    const name = agent.name.toLowerCase();
    await add({ kind: "owned", user: agent.owner }, name);
    await add({ kind: "all" }, name);
    if (agent.visibility === "public") await add({ kind: "public" }, name);
  }

  return {
    indexAgent,

    /**
     * Drops the entries of a name `owner`'s agent no longer holds (renamed or deleted). The name is free by now and
     * someone else may have claimed it and made it public: `holderNow` is read after the removal, and its public
     * entry is put back. A holder whose record is not written yet is not found; its create indexes once more after
     * writing the record, so its entry is back either way.
     */
    async forget(
      owner: string,
      name: string,
      holderNow: (name: string) => Promise<AgentRecord | null>,
    ): Promise<void> {
      const key = name.toLowerCase();
      await remove({ kind: "owned", user: owner }, key);
      await remove({ kind: "public" }, key);
      await remove({ kind: "all" }, key);
      const now = await holderNow(key);
      if (now !== null) await indexAgent(now);
    },

    /** Drops the public entry of an agent made private; read again after, as in `forget`. */
    async unpublish(name: string, holderNow: (name: string) => Promise<AgentRecord | null>): Promise<void> {
      const key = name.toLowerCase();
      await remove({ kind: "public" }, key);
      const now = await holderNow(key);
      if (now?.visibility === "public") await add({ kind: "public" }, key);
    },

    /**
     * The names `caller` may see after `after`, ascending: its own and the public ones (an admin: all), or with
     * `mine` its own only. A name is a candidate: the listing decides once it has read the record.
     */
    async *candidates(
      caller: Caller,
      options: { mine?: boolean; after?: string } = {},
    ): AsyncGenerator<string> {
      const { mine = false, after } = options;
      await migrate();
      if (!mine && caller.scopes.includes("admin")) {
        yield* names({ kind: "all" }, after);
        return;
      }
      const owned = names({ kind: "owned", user: caller.user }, after);
      if (mine) {
        yield* owned;
        return;
      }
      yield* mergeUnique(owned, names({ kind: "public" }, after));
    },
  };
}

export type AgentDirectory = ReturnType<typeof createAgentDirectory>;

/** Two ascending sequences as one, each name once. */
async function* mergeUnique(a: AsyncIterator<string>, b: AsyncIterator<string>): AsyncGenerator<string> {
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && x.value < y.value)) {
      yield x.value;
      x = await a.next();
    } else if (x.done || y.value < x.value) {
      yield y.value;
      y = await b.next();
    } else {
      yield x.value;
      [x, y] = await Promise.all([a.next(), b.next()]);
    }
  }
}
