/**
 * Which web pages may use the gateway from a browser: pages served from localhost (a developer's app, a local
 * MCP inspector) and the hosts an operator lists in `AGENT_MESH_ALLOWED_ORIGINS`. The same rule lets a page read
 * the answers (CORS, `cross-origin.ts`) and lets it reach `/mcp` at all (a page from anywhere else, or a
 * DNS-rebinding attack on a local gateway, is refused there).
 *
 * Not "any page on the gateway's own host": the host a request names is what a DNS-rebinding page controls (its
 * requests carry its own name as both `Host` and `Origin`), so a rule built on it lets that page in. The
 * gateway's own pages do not need the rule: a browser sends them same-origin answers without CORS.
 */

const LOCALHOST = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Whether a request carrying `origin` (the browser's `Origin` header) comes from an allowed page. */
export function isAllowedOrigin(origin: string, allowedHosts: readonly string[]): boolean {
  let hostname: string;
  try {
    hostname = new URL(origin).hostname.toLowerCase();
  } catch {
    return false; // `null` (a sandboxed frame, a file) or garbage
  }
  return LOCALHOST.has(hostname) || allowedHosts.includes(hostname);
}
