/**
 * Which optional doors this gateway has (A2A, MCP, share links), read once from its OpenAPI document, so the page
 * shows them where they exist and stays quiet where they do not.
 */
import { api } from "./api.ts";

export interface Features {
  a2a: boolean;
  mcp: boolean;
  shares: boolean;
}

let cached: Promise<Features> | null = null;

export function features(): Promise<Features> {
  cached ??= api<{ paths?: Record<string, unknown> }>("GET", "/openapi.json")
    .then((doc) => {
      const paths = Object.keys(doc.paths ?? {});
      return {
        a2a: paths.some((p) => p.startsWith("/a2a")),
        mcp: paths.some((p) => p.startsWith("/mcp")),
        shares: paths.some((p) => p.includes("/shares")),
      };
    })
    .catch(() => ({ a2a: false, mcp: false, shares: false }));
  return cached;
}
