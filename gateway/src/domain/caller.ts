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
