/**
 * `/dl/`: the connector package this gateway was released with. `GET /dl/agent-mesh-<version>.tgz` serves the
 * tarball (immutable); `GET /dl/agent-mesh.tgz` redirects to the current version. Any other name — including
 * encoded `..` and separators, which arrive here decoded as part of the one `:file` segment — is a 404: the
 * route compares the whole name with the one file it has and never builds a path from it.
 */
import { type Context, Hono } from "hono";
import type { GatewayEnv } from "../gateway-env.ts";

/**
 * Refusals here are read by npm, which prints a JSON body's `error` as a string ("[object Object]" for ours), so
 * they are one plain-text line: `<code>: <message>`.
 */
function refuse(c: Context, code: string, message: string): Response {
  return c.text(`${code}: ${message}\n`, 404);
}

const UNAVAILABLE =
  "This gateway does not serve the connector package; its operator can build it with `npm run build:connector`.";

/** The stable name, redirected to the versioned file. */
async function latest(c: Context<GatewayEnv>): Promise<Response> {
  const connector = c.get("services").connector;
  if (!connector || !(await connector.bytes())) return refuse(c, "connector_unavailable", UNAVAILABLE);
  c.header("cache-control", "no-cache");
  return c.redirect(new URL(`/dl/${connector.fileName}`, c.req.url).toString(), 302);
}

// One route with the stable name checked inside: a static `/dl/agent-mesh.tgz` beside `/dl/:file` is a shape Hono's
// RegExpRouter refuses, which left every request of the gateway on the slower TrieRouter.
export const downloadRoutes = new Hono<GatewayEnv>().get("/dl/:file", async (c) => {
  if (c.req.param("file") === "agent-mesh.tgz") return latest(c);
  const connector = c.get("services").connector;
  if (!connector) return refuse(c, "connector_unavailable", UNAVAILABLE);
  if (c.req.param("file") !== connector.fileName) {
    return refuse(
      c,
      "not_found",
      `No such download; the connector package here is /dl/${connector.fileName} (or /dl/agent-mesh.tgz).`,
    );
  }
  const bytes = await connector.bytes();
  if (!bytes) return refuse(c, "connector_unavailable", UNAVAILABLE);
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    "content-type": "application/gzip",
    "content-length": String(bytes.byteLength),
    "cache-control": "public, max-age=31536000, immutable",
  });
});
