/**
 * The HTML shell of the web UI and the security headers every page answer carries. The shell holds no inline
 * script or style: the CSP allows only the gateway's own hashed assets.
 */
import { WEB_ASSETS } from "./assets.generated.ts";

export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

/** The app shell: a skeleton the client module fills in. `notFound` renders a plain page instead. */
export function renderPage(options: { notFound?: string } = {}): string {
  const body = options.notFound
    ? `<main class="notfound"><h1>Not found</h1><p>Nothing at <code>${escapeHtml(options.notFound)}</code>.</p><p><a href="/">Open Agent Mesh</a></p></main>`
    : `<div id="app" aria-busy="true"><p class="boot">Loading Agent Mesh…</p></div><noscript><p class="boot">Agent Mesh needs JavaScript.</p></noscript>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Agent Mesh</title>
<link rel="icon" href="${WEB_ASSETS.favicon.path}" type="image/svg+xml">
<link rel="stylesheet" href="${WEB_ASSETS.css.path}">
${options.notFound ? "" : `<script type="module" src="${WEB_ASSETS.js.path}"></script>`}
</head>
<body>
${body}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );
}
