import type { Scope } from "../auth/scopes.ts";
import type { CallOwner } from "../relay/types.ts";

/** Who is making an HTTP request, as established by the bearer token. */
export interface Caller {
  tokenId: string;
  user: string;
  kind: "user" | "agent" | "admin";
  scopes: Scope[];
  /** Agent credentials only. */
  agentId?: string;
}

/**
 * Whether the caller sees what was made under `fromAgent` (a task, a session): a user's own tokens see all of the
 * user's, but a ticket's credential lives on the agent's machine and sees only what it made itself.
 */
export function agentMaySee(caller: Caller, fromAgent: string | undefined): boolean {
  return caller.kind !== "agent" || fromAgent === caller.agentId;
}

/** The caller as the owner of the live calls it makes, and as who may reach them (`mayReach`). */
export function callOwner(caller: Caller): CallOwner {
  return caller.kind === "agent" ? { user: caller.user, fromAgent: caller.agentId } : { user: caller.user };
}

/**
 * Who a session belongs to, as its claim is stored: the user, or for an agent credential `<user>/<agent id>` (user
 * names have no `/`), so that credential continues only its own conversations and its user all of them.
 */
export function sessionOwner(caller: Caller): string {
  return caller.kind === "agent" && caller.agentId ? `${caller.user}/${caller.agentId}` : caller.user;
}

/** Whether a session claimed by `owner` (`sessionOwner`) is the caller's to continue. */
export function ownsSession(caller: Caller, owner: string): boolean {
  const [user, fromAgent] = owner.split("/") as [string, string | undefined];
  return user === caller.user && agentMaySee(caller, fromAgent);
}

/**
 * The pseudo-user a share link's holder calls as, `share.<id>` (doors/share/shares.ts): a name no real user can
 * have (user names have no `.`), so the link's sessions and tasks belong to the link alone.
 */
export function shareUser(shareId: string): string {
  return `share.${shareId}`;
}

/** Whether `user` is a share link's holder (`shareUser`) rather than a person with a token. */
export function isShareUser(user: string): boolean {
  return user.startsWith("share.");
}

/** The share id of a link's pseudo-user, or null for anyone else. */
export function shareIdOf(user: string): string | null {
  return isShareUser(user) ? user.slice("share.".length) : null;
}
