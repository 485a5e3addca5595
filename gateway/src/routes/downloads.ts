/**
 * `/dl/`: the connector package this gateway was released with. `GET /dl/agent-mesh-<version>.tgz` serves the
 * tarball (immutable); `GET /dl/agent-mesh.tgz` redirects to the current version. Any other name — including
 * encoded `..` and separators, which arrive here decoded as part of the one `:file` segment — is a 404: the
 * route compares the whole name with the one file it has and never builds a path from it.
 */
import { Hono } from "hono";
import { ApiError } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";

function unavailable(): ApiError {
  return new ApiError(
    404,
    "connector_unavailable",
    "This gateway does not serve the connector package; its operator can build it with `npm run build:connector`.",
  );
}

export const downloadRoutes = new Hono<GatewayEnv>()
  .get("/dl/agent-mesh.tgz", async (c) => {
    const connector = c.var.services.connector;
    if (!connector || !(await connector.bytes())) throw unavailable();
    c.header("cache-control", "no-cache");
    return c.redirect(new URL(`/dl/${connector.fileName}`, c.req.url).toString(), 302);
  })
  .get("/dl/:file", async (c) => {
    const connector = c.var.services.connector;
    if (!connector) throw unavailable();
    if (c.req.param("file") !== connector.fileName) {
      throw new ApiError(
        404,
        "not_found",
        `No such download; the connector package here is /dl/${connector.fileName} (or /dl/agent-mesh.tgz).`,
      );
    }
    const bytes = await connector.bytes();
    if (!bytes) throw unavailable();
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "application/gzip",
      "content-length": String(bytes.byteLength),
      "cache-control": "public, max-age=31536000, immutable",
    });
  });
