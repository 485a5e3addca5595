/**
 * Tokens: user tokens (created by the admin), agent credentials (redeemed from a connect ticket, bound to one agent
 * and to the token that created the ticket) and the admin token.
 *
 * A token reads `amk_<id>_<secret>` (agent credentials `amc_…`). Only the SHA-256 of the whole token is stored, under
 * `token:<id>`; verification looks the record up by id and compares hashes in constant time, so lookups never
 * depend on secret bytes. Revoked tokens stay as tombstones so a connector can be told "revoked" rather than
 * "unknown". On redis and upstash the ids are also in the sorted set `tokens-all`, so the admin's listing reads a
 * page of it rather than a SCAN of the whole database (a fleet connected through tickets holds a token per agent).
 */
import type { SessionStore } from "../session-stores/types.ts";
import { randomHex, sha256Hex, timingSafeEqual } from "../util/crypto.ts";
import { keysUnder } from "../util/keys-under.ts";
import { fillPage } from "../util/pages.ts";
import { type IndexPass, inBatches, membersOf, oncePerDeployment } from "../util/sorted-index.ts";
import { ADMIN_SCOPES, type Scope } from "./scopes.ts";

export interface TokenRecord {
  id: string;
  /** The user this token acts for. */
  user: string;
  kind: "user" | "agent" | "admin";
  scopes: Scope[];
  hash: string;
  created_at: string;
  /** Agent credentials only: the agent they may connect as. */
  agent_id?: string;
  /** Agent credentials only: the token whose ticket minted them; revoking it revokes them. */
  parent_id?: string;
  revoked_at?: string;
}

export type TokenCheck =
  | { status: "ok"; record: TokenRecord }
  | { status: "revoked"; record: TokenRecord }
  | { status: "invalid" };

const TOKEN_PATTERN = /^am([kc])_([a-z0-9]{1,32})_([0-9a-f]{48})$/;
/**
 * How long a successful token check may be reused: by agent hellos always, by HTTP requests where the service is
 * made with `reuseChecks` (a single gateway process that holds its agent sockets). A revocation made through this
 * service, and every `forgetChecks` the hub does when it is told of one, takes effect at once; one made by another
 * gateway process sharing the store without telling this one is seen here within this time. Cluster nodes (told by
 * pub/sub, which may arrive after the next request) and Workers isolates (never told) check the store every time.
 */
export const CHECK_TTL_MS = 1000;
/** The name this lifetime had when only hellos reused checks. */
export const HELLO_CHECK_TTL_MS = CHECK_TTL_MS;
const CHECK_ENTRIES = 4096;
export const ADMIN_TOKEN_ID = "admin";
/** What a token id looks like (also the `next_cursor` of the token listing). */
export const TOKEN_ID = /^[a-z0-9]{1,32}$/;

export interface TokenServiceOptions {
  /** HTTP requests too reuse a successful check for `CHECK_TTL_MS` (only where every revocation is announced). */
  reuseChecks?: boolean;
}

/** The sorted set of every token id (redis, upstash), and the marker of the pass that filled it. */
const ALL_TOKENS = "tokens-all";
export const TOKEN_INDEX_PASS: IndexPass = { marker: "meta:token-index", reads: "token:" };

export function createTokenService(store: SessionStore, options: TokenServiceOptions = {}) {
  const sets = store.sortedSets;
  const indexOlder = oncePerDeployment(store, TOKEN_INDEX_PASS.marker, async () => {
    if (!sets) return;
    await inBatches(await store.keys(TOKEN_INDEX_PASS.reads), (key) =>
      sets.add(ALL_TOKENS, key.slice(TOKEN_INDEX_PASS.reads.length), 0),
    );
  });
  /** Before the record is written: an id listed with no record is skipped by the listing. */
  const indexToken = async (id: string) => {
    if (sets) await sets.add(ALL_TOKENS, id, 0);
  };

  async function mint(
    fields: Omit<TokenRecord, "id" | "hash" | "created_at">,
    id = randomHex(8),
  ): Promise<{ token: string; record: TokenRecord }> {
    const token = `am${fields.kind === "agent" ? "c" : "k"}_${id}_${randomHex(24)}`;
    const record: TokenRecord = {
      ...fields,
      id,
      hash: await sha256Hex(token),
      created_at: new Date().toISOString(),
    };
    await indexToken(id);
    await store.set(`token:${id}`, record);
    return { token, record };
  }

  /**
   * Hashes of tokens that verified before, so a check after the remembered one expired does not hash again. Only
   * tokens that matched get in, so junk tokens cannot flush it.
   */
  const knownHashes = new Map<string, string>();

  /** Reads the token's record (and its parent's) and compares hashes: the check itself. */
  async function verifyInStore(token: string): Promise<TokenCheck> {
    const match = TOKEN_PATTERN.exec(token);
    // A token fixed through AGENT_MESH_ADMIN_TOKEN can have any shape; it is checked against the admin record.
    const id = match ? match[2]! : ADMIN_TOKEN_ID;
    const record = await store.get<TokenRecord>(`token:${id}`);
    const hash = knownHashes.get(token) ?? (await sha256Hex(token));
    if (!record || !timingSafeEqual(record.hash, hash)) return { status: "invalid" };
    if (!knownHashes.has(token)) {
      if (knownHashes.size >= 1024) knownHashes.delete(knownHashes.keys().next().value!);
      knownHashes.set(token, hash);
    }
    if (record.revoked_at) return { status: "revoked", record };
    if (record.parent_id) {
      const parent = await store.get<TokenRecord>(`token:${record.parent_id}`);
      if (!parent || parent.revoked_at) return { status: "revoked", record };
    }
    return { status: "ok", record };
  }

  /** Successful checks by token: a busy caller (or a reconnect wave of one fleet) reads its records once a second. */
  const recentChecks = new Map<string, { check: TokenCheck; until: number }>();
  /** Bumped by every revocation, so a check that read the store before it is not remembered after it. */
  let revocations = 0;

  /**
   * Checks a token; one that verified in the last `CHECK_TTL_MS` is answered from memory, so a reconnect storm
   * does not read the same records once per socket and a busy caller does not pay a store read, a JSON decode and
   * a hash comparison per request. Only successful checks are kept, so junk tokens cannot flush the memory, and a
   * revocation clears what it concerns (see `forgetChecks`).
   */
  async function verifyRemembered(token: string): Promise<TokenCheck> {
    const now = Date.now();
    const recent = recentChecks.get(token);
    if (recent !== undefined && recent.until > now) return recent.check;
    const revocationsBefore = revocations;
    const check = await verifyInStore(token);
    recentChecks.delete(token);
    if (check.status === "ok" && revocations === revocationsBefore) {
      if (recentChecks.size >= CHECK_ENTRIES) recentChecks.delete(recentChecks.keys().next().value!);
      // Callers read the record; a frozen copy keeps one caller from changing what the next one sees.
      const record = Object.freeze({ ...check.record, scopes: Object.freeze([...check.record.scopes]) });
      recentChecks.set(token, {
        check: { status: "ok", record: record as TokenRecord },
        until: now + CHECK_TTL_MS,
      });
    }
    return check;
  }

  /** Drops remembered checks of token `id` and of the credentials it minted (called on revocation). */
  function forgetChecks(id: string): void {
    revocations++;
    for (const [token, recent] of recentChecks) {
      const record = (recent.check as { record: TokenRecord }).record;
      if (record.id === id || record.parent_id === id) recentChecks.delete(token);
    }
  }

  async function revoke(id: string): Promise<TokenRecord | null> {
    forgetChecks(id);
    const revokedAt = new Date().toISOString();
    // One compare-and-set step on the record as stored: the first revocation's time stays, and no write here can
    // put back a copy read before another writer changed the record.
    const { value } = await store.update<TokenRecord>(`token:${id}`, (current) =>
      current === null || current.revoked_at ? undefined : { value: { ...current, revoked_at: revokedAt } },
    );
    forgetChecks(id); // a hello may have re-verified it while the write was in flight
    return value;
  }

  async function get(id: string): Promise<TokenRecord | null> {
    return TOKEN_ID.test(id) ? store.get<TokenRecord>(`token:${id}`) : null;
  }

  /**
   * Tokens by id, `limit` at a time after the id `after`, of the given kinds (default: all). Only the page's
   * records are read: with a fleet connected through tickets there is an agent credential per agent.
   */
  async function page(query: {
    limit: number;
    after?: string;
    kinds?: ReadonlyArray<TokenRecord["kind"]>;
  }): Promise<{ tokens: TokenRecord[]; next: string | null }> {
    const { items: tokens, next } = await fillPage(await ids(query.after), query.limit, async (batch) => {
      const records = await store.getMany<TokenRecord>(batch.map((id) => `token:${id}`));
      return records.map((r) => (r !== null && (!query.kinds || query.kinds.includes(r.kind)) ? r : null));
    });
    return { tokens, next };
  }

  /** Token ids after `after`, ascending: a sorted set read as the page goes, or the store's key listing. */
  async function ids(after: string | undefined): Promise<Iterable<string> | AsyncIterable<string>> {
    if (sets) {
      await indexOlder();
      return membersOf(sets, ALL_TOKENS, { from: after, chunk: 256, direction: "up" });
    }
    return keysUnder(store, "token:", { from: after, chunk: 256, direction: "up" });
  }

  /**
   * Makes sure an admin token exists. A fixed token (from the environment) replaces the stored hash; otherwise a
   * token is generated once and returned so the caller can print it. Returns null when nothing new was made.
   */
  async function ensureAdmin(fixedToken?: string): Promise<string | null> {
    if (fixedToken) {
      const hash = await sha256Hex(fixedToken);
      const createdAt = new Date().toISOString();
      // The environment's token is authoritative: it replaces another hash and undoes a revocation of `admin`.
      await indexToken(ADMIN_TOKEN_ID);
      await store.update<TokenRecord>(`token:${ADMIN_TOKEN_ID}`, (existing) =>
        existing?.hash === hash && !existing.revoked_at
          ? undefined
          : {
              value: {
                id: ADMIN_TOKEN_ID,
                user: "admin",
                kind: "admin",
                scopes: ADMIN_SCOPES,
                hash,
                created_at: createdAt,
              } satisfies TokenRecord,
            },
      );
      return null;
    }
    const token = `amk_${ADMIN_TOKEN_ID}_${randomHex(24)}`;
    const record: TokenRecord = {
      id: ADMIN_TOKEN_ID,
      user: "admin",
      kind: "admin",
      scopes: ADMIN_SCOPES,
      hash: await sha256Hex(token),
      created_at: new Date().toISOString(),
    };
    // `add` so that two gateway processes starting on one store agree on a single admin token.
    await indexToken(ADMIN_TOKEN_ID);
    return (await store.add(`token:${ADMIN_TOKEN_ID}`, record)) ? token : null;
  }

  const verify = options.reuseChecks ? verifyRemembered : verifyInStore;
  return { mint, verify, verifyForHello: verifyRemembered, forgetChecks, get, revoke, page, ensureAdmin };
}

export type TokenService = ReturnType<typeof createTokenService>;
