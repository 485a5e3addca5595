#!/usr/bin/env node
/**
 * `npm run start:cloudflare`: the Workers runtime locally (`wrangler dev`, workerd via Miniflare) with the same
 * environment variables as the other entries:
 *
 * - `PORT` (default 8787; `0` picks a free port), `HOST` (default 127.0.0.1)
 * - `AGENT_MESH_DATA_DIR` (default `./.data`): Durable Object and KV state persist in `<dir>/cloudflare`
 * - every other `AGENT_MESH_*` variable (admin token, timings, limits) is passed to the Worker as a `--var`
 *
 * Prints the same "listening on" line as the other entries once wrangler is ready, and stops wrangler (and its
 * workerd) on SIGINT/SIGTERM.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const env = process.env;
/** Local to this script, not Worker settings. */
const LOCAL_ONLY = new Set(["AGENT_MESH_DATA_DIR", "AGENT_MESH_STORE", "AGENT_MESH_STORE_PREFIX"]);

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
const vars = Object.entries(env)
  .filter(([name, value]) => name.startsWith("AGENT_MESH_") && !LOCAL_ONLY.has(name) && value)
  .flatMap(([name, value]) => ["--var", `${name}:${value}`]);

const args = [
  join(root, "node_modules/wrangler/bin/wrangler.js"),
  "dev",
  "--config",
  join(here, "wrangler.jsonc"),
  "--ip",
  host,
  "--port",
  String(port),
  "--inspector-port",
  String(await freePort()),
  "--persist-to",
  join(dataDir, "cloudflare"),
  "--show-interactive-dev-session=false",
  ...vars,
];

const child = spawn(process.execPath, args, {
  cwd: root,
  // No metrics, and no fetch of the `Request.cf` object from the network (offline it only warns and falls back).
  env: { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...env, WRANGLER_SEND_METRICS: "false" },
  stdio: ["ignore", "pipe", "pipe"],
});

let announced = false;
let buffered = "";
child.stdout.on("data", (data) => {
  process.stdout.write(data);
  if (announced) return;
  buffered += data.toString();
  const ready = /Ready on (http:\/\/\S+)/.exec(buffered);
  if (ready) {
    announced = true;
    announceWhenServing(ready[1]);
  }
});

/** wrangler says "Ready" a moment before its port accepts connections; announce only once it answers. */
async function announceWhenServing(url) {
  for (let i = 0; i < 200; i++) {
    const answered = await fetch(`${url}/health`).then(
      (res) => res.body?.cancel().then(() => true) ?? true,
      () => false,
    );
    if (answered) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`agent-mesh gateway (workerd, store=cloudflare) listening on ${url}`);
}
child.stderr.on("data", (data) => process.stderr.write(data));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => child.kill(signal));
}
