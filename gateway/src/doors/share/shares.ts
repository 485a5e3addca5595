/**
 * Share links: a capability to call ONE agent, and nothing else (no management, no other agents, no tokens).
 *
 * A share's secret reads `ams_<id>_<48 hex>`; like tokens (auth/tokens.ts) only its SHA-256 is stored, under
 * `share:<id>`, and a lookup goes by id and compares hashes in constant time. `share-of:<agentId>:<id>` lists an
 * agent's shares. Both keys expire a day after the share does (so a late caller still hears "expired", not
 * "unknown"). Every request reads the record, so a revocation takes effect at once on every door.
 *
 * Whoever holds the link calls as the pseudo-user `share.<id>` (a name no real user can have: user names have no
 * `.`), so the link's sessions and tasks belong to the link and to no one else.
 */
import type { AgentRecord } from "../../domain/agents.ts";
import { type Caller, shareIdOf, shareUser } from "../../domain/caller.ts";
import type { Sender } from "../../domain/inbox.ts";
import type { SessionStore } from "../../session-stores/types.ts";
import { randomHex, sha256Hex, timingSafeEqual } from "../../util/crypto.ts";

export const SHARE_DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
export const SHARE_MAX_TTL_SECONDS = 90 * 24 * 3600;
/** How long an ended share's record is kept so callers are told why it stopped working. */
const TOMBSTONE_SECONDS = 24 * 3600;

const SECRET = /^ams_([0-9a-f]{16})_([0-9a-f]{48})$/;
const SHARE_ID = /^[0-9a-f]{16}$/;

export interface ShareRecord {
  id: string;
  agent_id: string;
  /** The user who made it (the agent's owner, or an admin). */
  created_by: string;
  label: string;
  hash: string;
  created_at: string;
  expires_at: string;
  revoked_at?: string;
  /** Requests per minute this link may take, when lower than the gateway's share limit. */
  rate_limit?: number;
  /**
   * The link also reaches the agent while a person's interactive session serves it (its messages asked in the
   * inbox, its tasks offered there). Off unless the owner turns it on: a stranger's message in a person's inbox
   * is the owner's choice, not a side effect of sharing an agent that is sometimes a session.
   */
  sessions?: true;
}

export type ShareCheck =
  | { status: "ok"; record: ShareRecord }
  | { status: "expired" | "revoked"; record: ShareRecord }
  | { status: "invalid" };

/** Whether a link still works: the one rule behind its listing, its requests and the offers of its tasks. */
function statusOf(record: ShareRecord): "active" | "expired" | "revoked" {
  if (record.revoked_at) return "revoked";
  return Date.parse(record.expires_at) <= Date.now() ? "expired" : "active";
}

export function shareView(record: ShareRecord) {
  const { hash: _hash, ...rest } = record;
  return { ...rest, status: statusOf(record) };
}

/** The identity a share link's caller acts as. */
export function shareCaller(record: ShareRecord): Caller {
  const user = shareUser(record.id);
  return { tokenId: user, user, kind: "user", scopes: ["call"] };
}

/** Who a link's holder is in a person's inbox: the link, named by its label (the id alone says little to a person). */
export function shareSender(record: ShareRecord): Sender {
  const sender: Sender = { user: shareUser(record.id) };
  if (record.label) sender.label = record.label;
  return sender;
}

export function createShareService(store: SessionStore) {
  async function create(
    agent: AgentRecord,
    createdBy: string,
    input: { label?: string; expiresInSeconds: number; rateLimit?: number; sessions?: boolean },
  ): Promise<{ secret: string; record: ShareRecord }> {
    const id = randomHex(8);
    const secret = `ams_${id}_${randomHex(24)}`;
    const now = Date.now();
    const record: ShareRecord = {
      id,
      agent_id: agent.id,
      created_by: createdBy,
      label: input.label ?? "",
      hash: await sha256Hex(secret),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + input.expiresInSeconds * 1000).toISOString(),
      ...(input.rateLimit ? { rate_limit: input.rateLimit } : {}),
      ...(input.sessions ? { sessions: true as const } : {}),
    };
    const ttl = input.expiresInSeconds + TOMBSTONE_SECONDS;
    await store.set(`share:${id}`, record, { ttl });
    await store.set(`share-of:${agent.id}:${id}`, id, { ttl });
    return { secret, record };
  }

  async function verify(secret: string): Promise<ShareCheck> {
    const match = SECRET.exec(secret);
    if (!match) return { status: "invalid" };
    const record = await store.get<ShareRecord>(`share:${match[1]}`);
    if (!record || !timingSafeEqual(record.hash, await sha256Hex(secret))) return { status: "invalid" };
    const status = statusOf(record);
    return status === "active" ? { status: "ok", record } : { status, record };
  }

  async function get(id: string): Promise<ShareRecord | null> {
    return SHARE_ID.test(id) ? store.get<ShareRecord>(`share:${id}`) : null;
  }

  async function listOf(agentId: string): Promise<ShareRecord[]> {
    const keys = await store.keys(`share-of:${agentId}:`);
    const records = await Promise.all(keys.map((key) => get(key.slice(key.lastIndexOf(":") + 1))));
    return records
      .filter((r): r is ShareRecord => r !== null)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  /**
   * Revokes on the record as stored now: the first revocation's time stays, and a share whose record is gone
   * (expired a day ago) is not written back. Kept (with a fresh day) so a caller with the link is told why.
   */
  async function revoke(record: ShareRecord): Promise<ShareRecord> {
    const revokedAt = new Date().toISOString();
    const { value } = await store.update<ShareRecord>(`share:${record.id}`, (current) =>
      current === null || current.revoked_at
        ? undefined
        : { value: { ...current, revoked_at: revokedAt }, ttl: TOMBSTONE_SECONDS },
    );
    return value ?? { ...record, revoked_at: record.revoked_at ?? revokedAt };
  }

  /**
   * Who a task its owner queued is from when offered to a person's session, or null when it may not be offered:
   * a person's or an agent's task always is; a share link's only while the link is active and reaches sessions.
   */
  async function sessionSender(owner: string): Promise<Sender | null> {
    const id = shareIdOf(owner);
    if (id === null) return { user: owner };
    const record = await get(id);
    return record?.sessions === true && statusOf(record) === "active" ? shareSender(record) : null;
  }

  return { create, verify, get, listOf, revoke, sessionSender };
}

export type ShareService = ReturnType<typeof createShareService>;
