/** The Workers bundle builds offline with the pinned wrangler (`npm run deploy:cloudflare:dry-run`). */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { ROOT } from "../helpers/gateway-process.ts";

it("builds the Worker with its Durable Objects and bindings (wrangler deploy --dry-run)", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "agent-mesh-cf-"));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
        "deploy",
        "--dry-run",
        "--config",
        join(ROOT, "runtimes/cloudflare/wrangler.jsonc"),
        "--outdir",
        outdir,
      ],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
    );
    expect(stdout).toMatch(/env\.AGENT \(AgentObject\)\s+Durable Object/);
    expect(stdout).toMatch(/env\.STORE \(GatewayStoreObject\)\s+Durable Object/);
    expect(stdout).toMatch(/env\.BLOBS .*KV Namespace/);
    const bundle = readFileSync(join(outdir, "worker.js"), "utf8");
    expect(bundle).toMatch(/export\s*\{[^}]*AgentObject/);
    expect(bundle).not.toMatch(/from\s*"node:/);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
