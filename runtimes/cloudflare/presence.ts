/**
 * Presence on Workers: while an agent's Durable Object holds its authenticated socket, the store has
 *
 * - `presence:<agentId>` → who is connected (read by `isOnline`: one batched store read for all it is asked), and
 * - `presence-token:<tokenId>:<agentId>` for the socket's token and, for agent credentials, the token it was
 *   issued under (listed by prefix in `disconnectToken`, so revocation finds exactly the objects to tell).
 *
 * Records carry a TTL that the object refreshes while the socket lives, so an object that vanished without a
 * close event (crash, redeploy) stops counting as online after at most one TTL.
 */
import type { ConnectionIdentity } from "../../gateway/src/relay/connection.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";

export interface PresenceRecord {
  agentId: string;
  tokenId: string;
  parentTokenId?: string;
  since: string;
}

export const presenceKey = (agentId: string) => `presence:${agentId}`;
export const tokenPrefix = (tokenId: string) => `presence-token:${tokenId}:`;

/** The agent ids whose sockets authenticated with this token or a credential issued under it. */
export async function agentsOfToken(store: SessionStore, tokenId: string): Promise<string[]> {
  const prefix = tokenPrefix(tokenId);
  return (await store.keys(prefix)).map((key) => key.slice(prefix.length));
}

function keysOf(identity: ConnectionIdentity): string[] {
  const tokens = [identity.tokenId, identity.parentTokenId].filter((t): t is string => Boolean(t));
  return [presenceKey(identity.agentId), ...tokens.map((t) => `${tokenPrefix(t)}${identity.agentId}`)];
}

export async function publishPresence(
  store: SessionStore,
  identity: ConnectionIdentity,
  ttlSeconds: number,
): Promise<void> {
  const record: PresenceRecord = {
    agentId: identity.agentId,
    tokenId: identity.tokenId,
    parentTokenId: identity.parentTokenId,
    since: new Date().toISOString(),
  };
  await Promise.all(keysOf(identity).map((key) => store.set(key, record, { ttl: ttlSeconds })));
}

export async function clearPresence(store: SessionStore, identity: ConnectionIdentity): Promise<void> {
  await Promise.all(keysOf(identity).map((key) => store.delete(key)));
}
