/**
 * Agents: records under `agent:<id>` plus a case-insensitive name index `agent-name:<lowercase name>` claimed
 * atomically, so two owners can never hold the same name, and the directory (agent-directory.ts) that lists
 * a caller's agents and the public ones without reading everyone's.
 */
import * as v from "valibot";
import { errors } from "../errors.ts";
import type { SessionStore } from "../session-stores/types.ts";
import { extended } from "../util/extended.ts";
import { prefixedId } from "../util/ids.ts";
import { letOthersRun } from "../util/let-others-run.ts";
import { fillPage } from "../util/pages.ts";
import { createAgentDirectory } from "./agent-directory.ts";
import type { Caller } from "./caller.ts";

export interface AgentRecord {
  id: string;
  name: string;
  owner: string;
  description: string;
  type: string;
  visibility: "private" | "public";
  capabilities: string[];
  created_at: string;
  updated_at: string;
  last_seen: string | null;
}

export const AGENT_ID = /^ag_[0-9a-f]{16}$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/**
 * Names whose ids a gateway remembers before it starts over: more than a node's fleet (100,000 agents), or every
 * hello of a reconnect storm past the cap would cost a store read more. About 150 bytes a name (measured on Bun),
 * so 30 MB at most.
 */
const MOST_REMEMBERED_NAMES = 200_000;
/** `getById`'s answer for a ref that cannot be an id. */
const NO_AGENT: Promise<AgentRecord | null> = Promise.resolve(null);
/** Letters, digits, `-` and `_`; nothing path-like, and nothing that could be mistaken for an id. */
const AgentName = v.pipe(
  v.string(),
  v.regex(
    NAME_PATTERN,
    "name may hold only letters, digits, - and _ (1–64, starting with a letter or digit)",
  ),
  v.check((name) => !AGENT_ID.test(name), "name may not look like an agent id"),
);
const Capability = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9._:-]{0,63}$/, "capabilities are lowercase tags"),
);

export const AgentCreate = v.object({
  name: AgentName,
  description: v.optional(v.pipe(v.string(), v.maxLength(1024)), ""),
  type: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z0-9_-]{1,32}$/, "type is a short lowercase word")),
    "exec",
  ),
  visibility: v.optional(v.picklist(["private", "public"]), "private"),
  capabilities: v.optional(v.pipe(v.array(Capability), v.maxLength(32)), []),
});
export const AgentUpdate = v.partial(AgentCreate);

/**
 * A hello leaves `last_seen` alone when it is younger than this: a reconnect storm after a gateway restart (every
 * agent seen seconds ago, or at its disconnect) then costs no record rewrite per agent. `last_seen` is exact at
 * every disconnect, and at a connect to within this window.
 */
export const PRESENCE_REFRESH_MS = 60_000;

/** One page of a listing: `next` is the cursor of the page after it (null: this is the last). */
export interface AgentPage {
  agents: AgentRecord[];
  next: string | null;
}

export interface AgentPageQuery {
  limit: number;
  /** The `next` of the page before. */
  after?: string;
  /** Only the caller's own agents (an admin's too). */
  mine?: boolean;
  /** Narrows a batch of the agents the caller may see (a filter that may need the store, such as presence). */
  keep?: (agents: AgentRecord[]) => AgentRecord[] | Promise<AgentRecord[]>;
}

export function createAgentService(store: SessionStore) {
  const directory = createAgentDirectory(store);

  async function create(owner: string, input: v.InferOutput<typeof AgentCreate>): Promise<AgentRecord> {
    const id = prefixedId("ag");
    if (!(await store.add(`agent-name:${input.name.toLowerCase()}`, id))) {
      throw errors.conflict(
        "agent_name_taken",
        `An agent named \`${input.name}\` already exists; pick another name.`,
      );
    }
    const now = new Date().toISOString();
    const record: AgentRecord = { id, owner, ...input, created_at: now, updated_at: now, last_seen: null };
    await directory.indexAgent(record);
    await store.set(`agent:${id}`, record);
    // Again, now that the record can be read: a delete or rename that freed this name may have dropped the entry
    // in between, and found no record yet to put it back for (see `AgentDirectory.forget`).
    await directory.indexAgent(record);
    return record;
  }

  /** The store's own promise, not an async function's around it: every call by name reads a record this way. */
  function getById(id: string): Promise<AgentRecord | null> {
    return AGENT_ID.test(id) ? store.get<AgentRecord>(`agent:${id}`) : NO_AGENT;
  }

  /**
   * Ids of agents last found by name. Never trusted on its own: the record read by id must still carry that name,
   * else (renamed, deleted, the name reused, perhaps on another node) the name is looked up in the store again. It
   * saves a call by name one store read (on redis, a round trip), and a hello as many.
   */
  const idsByName = new Map<string, string>();
  const remember = (name: string, id: string) => {
    if (idsByName.size >= MOST_REMEMBERED_NAMES) idsByName.clear();
    idsByName.set(name, id);
  };

  async function getByName(name: string): Promise<AgentRecord | null> {
    const key = name.toLowerCase();
    const knownId = idsByName.get(key);
    if (knownId !== undefined) {
      const record = await getById(knownId);
      if (record && record.name.toLowerCase() === key) return record;
      idsByName.delete(key);
    }
    const id = await store.get<string>(`agent-name:${key}`);
    const record = id ? await getById(id) : null;
    if (record && record.name.toLowerCase() === key) remember(key, record.id);
    return record;
  }

  /**
   * `getByName` for a page's names, in two store round trips (the ids, then the records) rather than two per name:
   * on Workers each read is a call to the store's Durable Object. Names whose remembered id leads elsewhere are
   * looked up again one by one, as `getByName` does.
   */
  async function getManyByName(names: string[]): Promise<(AgentRecord | null)[]> {
    const keys = names.map((name) => name.toLowerCase());
    const known = keys.map((key) => idsByName.get(key));
    const unknown = keys.filter((_, i) => known[i] === undefined);
    const claimed = await store.getMany<string>(unknown.map((key) => `agent-name:${key}`));
    let next = 0;
    const ids = known.map((id) => id ?? claimed[next++] ?? null);
    const records = await store.getMany<AgentRecord>(
      ids.filter((id): id is string => id !== null && AGENT_ID.test(id)).map((id) => `agent:${id}`),
    );
    next = 0;
    return Promise.all(
      keys.map(async (key, i) => {
        const id = ids[i]!;
        const record = id !== null && AGENT_ID.test(id) ? records[next++]! : null;
        if (record && record.name.toLowerCase() === key) {
          if (known[i] === undefined) remember(key, record.id);
          return record;
        }
        // A remembered id whose record no longer has this name: ask the store, as getByName does.
        if (known[i] !== undefined) return getByName(key);
        return null;
      }),
    );
  }

  /** Resolves an id or a name (case-insensitive) to an agent the caller may see; anything else is a 404. */
  async function resolve(caller: Caller, ref: string): Promise<AgentRecord> {
    // A name is not looked up by id first: most calls name their agent, and each await is a turn of the queue.
    let record = AGENT_ID.test(ref) ? await getById(ref) : null;
    // A ref that cannot be a name is never looked up, so store failures are not mistaken for "not found".
    if (!record && NAME_PATTERN.test(ref)) record = await getByName(ref);
    if (!record || !canSee(caller, record)) throw errors.agentNotFound(ref);
    return record;
  }

  /**
   * The agents `caller` may see, by name (byte order of the lowercase names), `limit` at a time after `after`. It
   * reads the caller's own and the public agents of the page, not the whole fleet.
   */
  async function page(caller: Caller, query: AgentPageQuery): Promise<AgentPage> {
    const names = directory.candidates(caller, { mine: query.mine, after: query.after?.toLowerCase() });
    const { items: agents, next } = await fillPage(names, query.limit, async (batch) => {
      const records = await getManyByName(batch);
      const listed = records.map((r, k) =>
        r !== null &&
        r.name.toLowerCase() === batch[k] &&
        (query.mine ? r.owner === caller.user : canSee(caller, r))
          ? r
          : null,
      );
      if (!query.keep) return listed;
      const kept = new Set(await query.keep(listed.filter((r): r is AgentRecord => r !== null)));
      return listed.map((r) => (r !== null && kept.has(r) ? r : null));
    });
    return { agents, next };
  }

  /**
   * The first `count` agents of the listing (pages followed, the event loop let run between them), and whether
   * more exist: for answers that show a fleet's first part and say there is more.
   */
  async function first(
    caller: Caller,
    query: Omit<AgentPageQuery, "limit" | "after">,
    count: number,
  ): Promise<{ agents: AgentRecord[]; more: boolean }> {
    const agents: AgentRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const { agents: found, next } = await page(caller, {
        ...query,
        after,
        limit: count + 1 - agents.length,
      });
      agents.push(...found);
      if (agents.length > count) return { agents: agents.slice(0, count), more: true };
      if (next === null) return { agents, more: false };
      after = next;
      await letOthersRun();
    }
  }

  /**
   * Applies an owner's patch to the record as stored now (one compare-and-set step), so it never undoes a change
   * made since the caller read the record: another PATCH, or the hub stamping `last_seen`. A rename claims the new
   * name first and frees the name the record held at the moment of the write (not the one the caller read).
   */
  async function update(record: AgentRecord, patch: v.InferOutput<typeof AgentUpdate>): Promise<AgentRecord> {
    const newName =
      patch.name && patch.name.toLowerCase() !== record.name.toLowerCase() ? patch.name.toLowerCase() : null;
    if (newName !== null && !(await store.add(`agent-name:${newName}`, record.id))) {
      throw errors.conflict(
        "agent_name_taken",
        `An agent named \`${patch.name}\` already exists; pick another name.`,
      );
    }
    const changes = stripUndefined(patch);
    if (newName !== null) {
      await directory.indexAgent({
        ...record,
        name: newName,
        visibility: patch.visibility ?? record.visibility,
      });
    }
    const updatedAt = new Date().toISOString();
    let replacedName = record.name.toLowerCase();
    const { value } = await store.update<AgentRecord>(`agent:${record.id}`, (current) => {
      if (current === null) return undefined;
      replacedName = current.name.toLowerCase();
      return { value: { ...current, ...changes, updated_at: updatedAt } };
    });
    if (value === null) {
      // Deleted meanwhile: give back the name this call claimed.
      if (newName !== null) await store.delete(`agent-name:${newName}`);
      throw errors.agentNotFound(record.name);
    }
    if (replacedName !== value.name.toLowerCase()) await store.delete(`agent-name:${replacedName}`);
    if (patch.name !== undefined || patch.visibility !== undefined) {
      await directory.indexAgent(value);
      if (replacedName !== value.name.toLowerCase())
        await directory.forget(value.owner, replacedName, getByName);
      else if (value.visibility === "private") await directory.unpublish(value.name, getByName);
    }
    return value;
  }

  /**
   * Deletes the agent. `take` reads and deletes at once, so the name freed is the one the record held at that
   * moment, even if a rename landed after the caller read it; a later `touch` or PATCH finds nothing to write.
   */
  async function remove(record: AgentRecord): Promise<void> {
    const stored = await store.take<AgentRecord>(`agent:${record.id}`);
    // Nothing taken: a concurrent delete freed the name already (and someone may have claimed it since).
    if (stored === null) return;
    await store.delete(`agent-name:${stored.name.toLowerCase()}`);
    await directory.forget(stored.owner, stored.name, getByName);
  }

  /** Stamps `last_seen` on the record as stored now; never brings back a deleted agent. */
  async function touch(id: string): Promise<void> {
    if (!AGENT_ID.test(id)) return;
    const seenAt = new Date().toISOString();
    await store.update<AgentRecord>(`agent:${id}`, (current) =>
      current === null ? undefined : { value: extended(current, { last_seen: seenAt }) },
    );
  }

  /** Whether a hello should write `last_seen`: it is missing, older than the window, or in the future. */
  function staleAtHello(record: AgentRecord, now = Date.now()): boolean {
    const seenAt = record.last_seen === null ? Number.NaN : Date.parse(record.last_seen);
    // Within the window (and not in the future: a clock that jumped back must not freeze `last_seen`).
    return !(seenAt <= now && now - seenAt < PRESENCE_REFRESH_MS);
  }

  /** `touch` for a hello, given the record it authenticated with: skipped while `last_seen` is fresh. */
  async function seenAtHello(record: AgentRecord, now = Date.now()): Promise<void> {
    if (staleAtHello(record, now)) await touch(record.id);
  }

  return { create, getById, resolve, page, first, update, remove, touch, staleAtHello, seenAtHello };
}

export type AgentService = ReturnType<typeof createAgentService>;

export function canSee(caller: Caller, agent: AgentRecord): boolean {
  return agent.visibility === "public" || agent.owner === caller.user || caller.scopes.includes("admin");
}

export function isOwner(caller: Caller, agent: AgentRecord): boolean {
  return agent.owner === caller.user || caller.scopes.includes("admin");
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
