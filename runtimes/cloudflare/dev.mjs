#!/usr/bin/env node
/**
 * `npm run start:cloudflare`: the Workers runtime locally (wrangler's dev server, workerd via Miniflare) with the
 * same environment variables as the other entries:
 *
 * - `PORT` (default 8787; `0` picks a free port), `HOST` (default 127.0.0.1)
 * - `AGENT_MESH_DATA_DIR` (default `./.data`): Durable Object and KV state persist in `<dir>/cloudflare`
 * - every other `AGENT_MESH_*` variable (admin token, timings, limits) is passed to the Worker as a var
 * - `INSPECTOR_PORT`: opt in to the DevTools inspector (off by default, see below)
 *
 * It runs wrangler's dev server in this process (`unstable_startWorker`, the API behind `wrangler dev`) rather
 * than the `wrangler dev` command, because the command cannot turn the inspector off. With the inspector on,
 * wrangler 4.86's inspector proxy posts every DevTools event to wrangler over a new loopback connection and never
 * closes it: workerd reports one such event per chunk of every subrequest body (each streamed chunk between an
 * agent's Durable Object and the Worker), so the dev server spent most of its time on them, and after about 20,000
 * chunks it ran out of file descriptors and dropped connections ("socket hang up"). docs/cloudflare.md has the
 * numbers.
 *
 * Prints the same "listening on" line as the other entries once the Worker answers `/health`, and stops the dev
 * server (and its workerd processes) on SIGINT/SIGTERM.
 */
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const env = process.env;
/** Local to this script, not Worker settings. */
const LOCAL_ONLY = new Set(["AGENT_MESH_DATA_DIR", "AGENT_MESH_STORE", "AGENT_MESH_STORE_PREFIX"]);

// No metrics, and no fetch of the `Request.cf` object from the network (offline it only warns and falls back).
// Read by wrangler when it loads, so set before the import below.
env.WRANGLER_SEND_METRICS = "false";
env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
const { unstable_startWorker: startWorker } = await import("wrangler");

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const host = env.HOST || "127.0.0.1";
const port = env.PORT === "0" ? await freePort() : Number(env.PORT || 8787);
const dataDir = resolve(env.AGENT_MESH_DATA_DIR || join(root, ".data"));
// Secrets are bound as secret_text so wrangler's binding table prints "(hidden)" instead of their value.
const vars = Object.fromEntries(
  Object.entries(env)
    .filter(([name, value]) => name.startsWith("AGENT_MESH_") && !LOCAL_ONLY.has(name) && value)
    .map(([name, value]) => [
      name,
      { type: /TOKEN|SECRET/.test(name) ? "secret_text" : "plain_text", value },
    ]),
);

// wrangler's dev server logs every request line with its path, and a share link's path is its secret.
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) =>
    write(String(chunk).replace(/\/s\/ams_[0-9a-f]+_[0-9a-f]+/g, "/s/<secret>"), ...rest);
}

const worker = await startWorker({
  config: join(here, "wrangler.jsonc"),
  bindings: vars,
  sendMetrics: false,
  dev: {
    server: { hostname: host, port },
    inspector: env.INSPECTOR_PORT ? { hostname: "127.0.0.1", port: Number(env.INSPECTOR_PORT) } : false,
    persist: join(dataDir, "cloudflare"),
    watch: false,
    liveReload: false,
    // "log" (wrangler's default) is the level at which the Worker's console.log lines are printed.
    logLevel: "log",
  },
});

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await worker.dispose().catch((error) => console.error("[dev] stopping wrangler:", error));
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stop(0));

await worker.ready;
const url = new URL(await worker.url).origin;
await waitUntilServing(url);
console.log(`agent-mesh gateway (workerd, store=cloudflare) listening on ${url}`);

/** The dev server is ready a moment before its port accepts connections; announce only once it answers. */
async function waitUntilServing(origin) {
  for (let i = 0; i < 200; i++) {
    const answered = await fetch(`${origin}/health`).then(
      (res) => res.body?.cancel().then(() => true) ?? true,
      () => false,
    );
    if (answered) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
