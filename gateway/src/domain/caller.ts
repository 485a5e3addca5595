import type { Scope } from "../auth/scopes.ts";

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
