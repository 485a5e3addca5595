/** What a token may do. Admin tokens carry every scope. */
export const SCOPES = ["admin", "agents", "connect", "call", "publish"] as const;
export type Scope = (typeof SCOPES)[number];

/** A new user token can manage and connect its own agents, call agents, and publish skills under its name. */
export const DEFAULT_USER_SCOPES: Scope[] = ["agents", "connect", "call", "publish"];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The admin token carries every scope. */
export const ADMIN_SCOPES: Scope[] = [...SCOPES];
