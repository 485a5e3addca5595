/**
 * Claiming a session id for a call, for tasks and live calls alike: a new conversation gets a fresh id, and a named
 * one must have the right shape and belong to the caller (whoever used it first with that agent). Apart from
 * calls.ts because it is the one step of starting a call that keeps a record of its own in the store
 * (`session:<agent>:<id>`), and because doors check their own conversation ids against its `SESSION_ID`.
 * @module
 */
import { ApiError } from "../errors.ts";
import type { SessionStore } from "../session-stores/types.ts";
import type { AgentRecord } from "./agents.ts";
import { type Caller, ownsSession, sessionOwner } from "./caller.ts";

/** What a session id may be; a door's own name for a conversation (A2A's `contextId`) is checked against it too. */
export const SESSION_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function createSessionClaims(deps: { store: SessionStore }) {
  const { store } = deps;

  async function claimKnownSession(caller: Caller, agent: AgentRecord, sessionId: string): Promise<string> {
    if (!SESSION_ID.test(sessionId))
      throw new ApiError(400, "invalid_request", "session_id: 1–128 letters, digits, . _ -");
    const key = `session:${agent.id}:${sessionId}`;
    const claim = sessionOwner(caller);
    const owner =
      (await store.get<string>(key)) ??
      ((await store.add(key, claim)) ? claim : await store.get<string>(key));
    if (owner === null || !ownsSession(caller, owner))
      throw new ApiError(404, "session_not_found", `No session ${sessionId} of yours with this agent.`);
    return sessionId;
  }

  /**
   * The session id to use: the caller's own (claimed on first use; a session belongs to whoever used it first,
   * since ids are not secrets), or a new one.
   */
  return function claimSession(
    caller: Caller,
    agent: AgentRecord,
    sessionId?: string,
  ): string | Promise<string> {
    // A new conversation (most calls) needs no store and no async frame.
    return sessionId ? claimKnownSession(caller, agent, sessionId) : crypto.randomUUID();
  };
}
