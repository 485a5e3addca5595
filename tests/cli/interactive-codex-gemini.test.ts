/**
 * `agent-mesh codex --as dev` and `agent-mesh gemini --as dev` configure the real binaries with the mesh tools.
 * Arguments after `--` go to the agent CLI, so each runs here in its own headless mode (codex `exec`, gemini
 * `-p`) with exactly the configuration a terminal session gets, against a fake model on loopback: the model
 * calls check_messages and reads the message another user's agent left in dev's inbox. (The terminal itself is
 * covered for Claude Code by interactive-claude.test.ts.)
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_BIN, agentBinary } from "../connector/helpers.ts";
import type { FakeServer } from "../fakes/fake-server.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import { apiClient } from "../helpers/api.ts";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { cleanupCli, loggedInHome, runCli, tempDir } from "./helpers.ts";

let gateway: GatewayProcess;
let openai: FakeServer;
let gemini: FakeServer;

beforeAll(async () => {
  agentBinary("codex");
  agentBinary("gemini");
  gateway = await startGateway({ runtime: "node", store: "fs" });
  [openai, gemini] = await Promise.all([startOpenAIResponsesFake(), startGeminiFake()]);
});

afterAll(async () => {
  await cleanupCli();
  await Promise.all([openai?.close(), gemini?.close()]);
  await gateway?.stop();
});

const path = `${AGENT_BIN}:${process.env.PATH}`;

/** A user with agent `name` (logged-in home) and a message from another user's agent waiting in its inbox. */
async function devWithMessage(prefix: string, message: string) {
  const alice = await createUser(gateway.url, gateway.adminToken, `${prefix}-alice`);
  const bob = await createUser(gateway.url, gateway.adminToken, `${prefix}-bob`);
  const dev = await createAgent(alice.api, { name: `${prefix}-dev`, visibility: "public" });
  const tester = await createAgent(bob.api, { name: `${prefix}-tester` });
  const asTester = apiClient(gateway.url, bob.token, { "x-agent-mesh-as": tester.name });
  expect((await asTester.post(`/v1/agents/${dev.name}/inbox`, { message })).status).toBe(201);
  return { home: await loggedInHome(gateway.url, alice.token), dev, tester, bob };
}

describe("agent-mesh codex --as", () => {
  it("gives codex the mesh server and the session prompt", { timeout: 90_000 }, async () => {
    const { home, dev, tester, bob } = await devWithMessage("cx", "please review PR 8");
    const provider = `model_providers.fake={name="fake",base_url="${openai.url}/v1",env_key="FAKE_OPENAI_KEY",wire_api="responses"}`;
    const seen = openai.requests.length;
    const result = await runCli(
      [
        "codex",
        "--as",
        dev.name,
        "--",
        ...["-c", "model=gpt-fake", "-c", "model_provider=fake", "-c", provider],
        // A person's session asks before each tool call; headless exec cannot ask, so allow them here.
        ...["-c", 'mcp_servers.mesh.default_tools_approval_mode="approve"'],
        ...["exec", "--json", "--skip-git-repo-check", "-"],
      ],
      {
        home,
        cwd: tempDir("codex-session"),
        input: "MCP_CALL:mcp__mesh__check_messages {}",
        // The config folder is not under HOME: the server must be told where it is (codex passes a reduced
        // environment to MCP servers).
        env: {
          PATH: path,
          HOME: tempDir("codex-other-home"),
          AGENT_MESH_HOME: join(home, ".agent-mesh"),
          CODEX_HOME: home,
          FAKE_OPENAI_KEY: "dummy",
        },
        timeoutMs: 60_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("please review PR 8");
    expect(result.stdout).toContain(`from: ${tester.name} (owner ${bob.name})`);
    // The session prompt reached the model as developer instructions.
    const bodies = openai.requests.slice(seen).map((r) => JSON.stringify(r.body));
    expect(bodies.join("\n")).toContain(`You are on the Agent Mesh as agent \`${dev.name}\``);
  });
});

describe("agent-mesh gemini --as", () => {
  it("runs gemini with a session home whose settings add the mesh server; the person's own files stay theirs", {
    timeout: 90_000,
  }, async () => {
    const { home, dev } = await devWithMessage("gm", "please review PR 9");
    // Without this, a base URL makes the auth type "gateway", which headless mode rejects.
    const userSettings = JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } });
    await mkdir(join(home, ".gemini"), { recursive: true });
    writeFileSync(join(home, ".gemini", "settings.json"), userSettings);
    const tmp = tempDir("gemini-tmp");
    const seen = gemini.requests.length;
    const result = await runCli(
      ["gemini", "--as", dev.name, "--", "-p", "", "-o", "stream-json", "-m", "gemini-fake"],
      {
        home,
        cwd: tempDir("gemini-session"),
        input: "MCP_CALL:mcp_mesh_check_messages {}",
        env: {
          PATH: path,
          TMPDIR: tmp,
          GEMINI_API_KEY: "dummy",
          GOOGLE_GEMINI_BASE_URL: gemini.url,
          GEMINI_CLI_TRUST_WORKSPACE: "true",
        },
        timeoutMs: 60_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("please review PR 9");
    // The server's instructions (check the inbox, acknowledge) reach the model: Gemini loads an MCP server's
    // instructions into the context it sends.
    const bodies = gemini.requests.slice(seen).map((r) => JSON.stringify(r.body ?? ""));
    expect(bodies.join("\n")).toContain("instructions provided by the tool server 'mesh'");
    expect(bodies.join("\n")).toContain("Tools of the Agent Mesh");
    // The person's settings are untouched, what Gemini wrote (its session files) is in their home, and the
    // session home is gone.
    expect(readFileSync(join(home, ".gemini", "settings.json"), "utf8")).toBe(userSettings);
    expect(readdirSync(join(home, ".gemini"))).toContain("tmp");
    expect(readdirSync(tmp).filter((name) => name.startsWith("agent-mesh-gemini-"))).toEqual([]);
  });
});
