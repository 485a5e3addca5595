/** `agent-mesh skills` end to end against the standalone registry process (skills-registry/serve.ts). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runCliFlow } from "./cli-flow.ts";
import { type RunningProcess, startStandaloneRegistry } from "./helpers.ts";

describe("agent-mesh skills against the standalone registry", () => {
  let server: RunningProcess;
  const work = mkdtempSync(join(tmpdir(), "skills-standalone-"));
  beforeAll(async () => {
    server = await startStandaloneRegistry();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("publishes, searches, installs, locks, updates, removes and restores offline", async () => {
    await runCliFlow({ url: server.url, aliceToken: "alice-token", bobToken: "bob-token", work });
  }, 180_000);
});
