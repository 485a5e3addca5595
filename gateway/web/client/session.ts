/**
 * Who is signed in. The token lives in `sessionStorage` (this tab only) and is sent only in the Authorization
 * header. A token handed over in the address (`/#token=…`) is read and removed from the address bar before
 * anything else runs; fragments never reach the server or its logs.
 */
import { ApiFailure, api, setToken } from "./api.ts";

export interface Me {
  user: string;
  token_id: string;
  kind: string;
  scopes: string[];
  agent_id?: string;
}

const KEY = "agent-mesh.token";
export let me: Me | null = null;

/** Takes a token out of `#token=…`, if any, and cleans the address bar at once. */
export function takeTokenFromFragment(): string | null {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return decodeURIComponent(match[1]!);
}

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

/** Checks the token with `GET /v1/me`; keeps it only if the gateway accepts it. */
export async function signIn(token: string): Promise<Me> {
  setToken(token.trim());
  try {
    me = await api<Me>("GET", "/v1/me");
  } catch (error) {
    setToken(null);
    me = null;
    if (error instanceof ApiFailure && error.status === 401)
      throw new ApiFailure(
        401,
        error.code,
        "The gateway did not accept this token. Check that you copied all of it, or ask your admin for a new one.",
      );
    throw error;
  }
  sessionStorage.setItem(KEY, token.trim());
  return me;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  setToken(null);
  me = null;
}

export const can = (scope: string) =>
  Boolean(me && (me.scopes.includes(scope) || me.scopes.includes("admin")));
