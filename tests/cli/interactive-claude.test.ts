/**
 * `agent-mesh claude --as dev`: the full interactive Claude Code, in a real terminal (tmux on a private socket),
 * against a fake model on loopback. The session is online as an interactive agent, its model sees the mesh
 * tools, and a message another agent left in dev's inbox is read through check_messages.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_BIN, agentBinary } from "../connector/helpers.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeServer } from "../fakes/fake-server.ts";
import { apiClient } from "../helpers/api.ts";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { privateTmux } from "../helpers/tmux.ts";
import { waitFor } from "../helpers/wait.ts";
import { BIN, cleanupCli, loggedInHome, tempDir } from "./helpers.ts";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!hasTmux) {
  if (process.env.REQUIRE_TMUX === "1") throw new Error("tmux is required (REQUIRE_TMUX=1): install tmux");
  console.warn("SKIPPED: interactive agent-mesh claude under tmux (install tmux)");
}

let gateway: GatewayProcess;
let fake: FakeServer;
const terminal = privateTmux(`agent-mesh-test-${process.pid}`);
const tmux = terminal.run;

beforeAll(async () => {
  if (!hasTmux) return;
  agentBinary("claude");
  gateway = await startGateway({ runtime: "bun", store: "fs" });
  fake = await startAnthropicFake();
});

afterAll(async () => {
  // Our own tmux server (private socket): its sessions end with it, and we wait for their processes to exit.
  if (hasTmux) await terminal.stop();
  await cleanupCli();
  await fake?.close();
  await gateway?.stop();
});

describe.skipIf(!hasTmux)("agent-mesh claude --as (interactive)", () => {
  it("runs Claude Code with the mesh tools, online as dev, and reads dev's inbox", {
    timeout: 90_000,
  }, async () => {
    const alice = await createUser(gateway.url, gateway.adminToken, "ivy");
    const bob = await createUser(gateway.url, gateway.adminToken, "jon");
    const dev = await createAgent(alice.api, { name: "dev", visibility: "public" });
    const tester = await createAgent(bob.api, { name: "tester" });
    const home = await loggedInHome(gateway.url, alice.token);
    const project = tempDir("interactive-project");
    // A first-run Claude Code asks about onboarding and folder trust; answer both ahead, as a returning user.
    writeFileSync(
      join(home, ".claude.json"),
      JSON.stringify({
        hasCompletedOnboarding: true,
        theme: "dark",
        projects: { [project]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
      }),
    );
    const env = {
      HOME: home,
      AGENT_MESH_HOME: join(home, ".agent-mesh"),
      PATH: `${AGENT_BIN}${delimiter}${process.env.PATH}`,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_AUTH_TOKEN: "dummy",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      CLAUDE_CODE_MAX_RETRIES: "0",
      ENABLE_TOOL_SEARCH: "false",
    };
    const command = [
      "env",
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      process.execPath,
      BIN,
      "claude",
      "--as",
      "dev",
      "--",
      "--allowedTools",
      "mcp__mesh",
    ];
    const started = tmux(
      "new-session",
      "-d",
      "-s",
      "dev",
      "-x",
      "200",
      "-y",
      "50",
      "-c",
      project,
      ...command,
    );
    expect(started.status, started.stderr).toBe(0);
    const screen = () => terminal.screen("dev");

    // The session keeps dev online as an interactive agent (its mesh server beats presence).
    await waitFor(async () => (await alice.api.get(`/v1/agents/${dev.name}`)).body.mode === "interactive", {
      timeoutMs: 30_000,
      what: `dev online as interactive; screen:\n${screen()}`,
    });
    const asTester = apiClient(gateway.url, bob.token, { "x-agent-mesh-as": tester.name });
    const sent = await asTester.post(`/v1/agents/${dev.name}/inbox`, { message: "please review PR 7" });
    expect(sent.status).toBe(201);

    await waitFor(() => screen().includes("❯"), { timeoutMs: 20_000, what: "the prompt" });
    // Claude Code connects its MCP servers in the background; until then it answers "still connecting".
    for (let attempt = 1; ; attempt++) {
      tmux("send-keys", "-t", "dev", "-l", "MCP_CALL:mcp__mesh__check_messages {}");
      tmux("send-keys", "-t", "dev", "Enter");
      const read = await waitFor(() => screen().includes("please review PR 7"), { timeoutMs: 10_000 }).then(
        () => true,
        () => false,
      );
      if (read) break;
      if (attempt === 4) throw new Error(`check_messages' result never appeared; the screen:\n${screen()}`);
    }
    const text = screen();
    expect(text).toContain(`from: ${tester.name} (owner ${bob.name})`);
    // The model was offered the mesh tools.
    const offered = fake.requests.flatMap((r) => (r.body?.tools ?? []).map((t: { name: string }) => t.name));
    expect(offered).toEqual(expect.arrayContaining(["mcp__mesh__check_messages", "mcp__mesh__ask_agent"]));
  });
});
