/**
 * Which web pages may use the gateway from a browser: pages served from localhost (a developer's app, a local
 * MCP inspector), the gateway's own pages, and the hosts an operator lists in `AGENT_MESH_ALLOWED_ORIGINS`. The
 * same rule lets a page read the answers (CORS, `cross-origin.ts`) and lets it reach `/mcp` at all (a page from
 * anywhere else, or a DNS-rebinding attack on a local gateway, is refused there).
 */

const LOCALHOST = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Whether a request carrying `origin` (the browser's `Origin` header) to `requestUrl` comes from an allowed page. */
export function isAllowedOrigin(
  origin: string,
  requestUrl: string,
  allowedHosts: readonly string[],
): boolean {
  let hostname: string;
  try {
    hostname = new URL(origin).hostname.toLowerCase();
  } catch {
    return false; // `null` (a sandboxed frame, a file) or garbage
  }
  if (LOCALHOST.has(hostname) || allowedHosts.includes(hostname)) return true;
  try {
    return new URL(requestUrl).host === new URL(origin).host;
  } catch {
    return false;
  }
}
