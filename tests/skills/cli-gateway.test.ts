/**
 * `agent-mesh skills` end to end against the real Node gateway (`runtimes/node/main.ts`), which mounts the
 * registry with `mountSkills`. The admin creates alice's and bob's tokens through `POST /v1/tokens`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { runCliFlow } from "./cli-flow.ts";

describe("agent-mesh skills against the Node gateway", () => {
  let gateway: GatewayProcess;
  const work = mkdtempSync(join(tmpdir(), "skills-gateway-"));
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    gateway = await startGateway({ runtime: "node", store: "memory" });
    for (const name of ["alice", "bob"]) {
      const response = await fetch(`${gateway.url}/v1/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      expect(response.status).toBe(201);
      tokens[name] = ((await response.json()) as { token: string }).token;
    }
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("publishes, searches, installs, locks, updates, removes and restores offline", async () => {
    await runCliFlow({ url: gateway.url, aliceToken: tokens.alice!, bobToken: tokens.bob!, work });
    const indexUrl = `${gateway.url}/skills/alice/.well-known/agent-skills/index.json`;
    // The CLI runs above block this process (spawnSync), so the pooled keep-alive socket from beforeAll may have
    // been closed by the server without us noticing; one retry on a fresh socket is the honest fix.
    const index = await fetch(indexUrl).catch(() => fetch(indexUrl));
    expect(index.status).toBe(200);
    expect(((await index.json()) as { skills: unknown[] }).skills).toHaveLength(1);
  }, 180_000);
});
