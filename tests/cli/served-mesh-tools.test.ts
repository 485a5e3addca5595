/**
 * Served codex and gemini get the mesh tools, like claude (claude.test.ts): the real binaries behind
 * `agent-mesh connect`, a fake model on loopback that calls the mesh `ask_agent` tool for a second connected
 * agent; the second agent's answer reaches the model (the fake sees the tool result) and the first caller, and
 * the chain of agents reaches the gateway. `--no-mesh-tools` takes the tools away again.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_BIN, agentBinary } from "../connector/helpers.ts";
import type { FakeServer, LoggedRequest } from "../fakes/fake-server.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { cleanupCli, cliOk, connect, freshHome, loggedInHome, tempDir } from "./helpers.ts";

let gateway: GatewayProcess;
let openai: FakeServer;
let gemini: FakeServer;

beforeAll(async () => {
  agentBinary("codex"); // fails with the install command when tests/agents is not installed
  agentBinary("gemini");
  // A real binary's first output may take seconds on a busy machine (its start, the mesh server's, a model
  // call): a wider stream idle limit than the suites' 5 s.
  gateway = await startGateway({
    runtime: "node",
    store: "fs",
    env: { AGENT_MESH_SYNC_TIMEOUT_MS: "60000" },
  });
  [openai, gemini] = await Promise.all([startOpenAIResponsesFake(), startGeminiFake()]);
});

afterAll(async () => {
  await cleanupCli();
  await Promise.all([openai?.close(), gemini?.close()]);
  await gateway?.stop();
});

interface Runtime {
  type: "codex" | "gemini";
  /** What the model calls the mesh ask tool. */
  askTool: string;
  fake: () => FakeServer;
  /** `connect` arguments after `--` and the environment that point the binary at its fake. */
  setup(machineHome: string): Promise<{ passthrough: string[]; env: Record<string, string> }>;
  /** The tool names the model was offered in one request. */
  offered(request: LoggedRequest): string[];
  /** The tool results the model was sent, as text. */
  toolResults(request: LoggedRequest): string[];
}

const path = `${AGENT_BIN}:${process.env.PATH}`;

const codex: Runtime = {
  type: "codex",
  askTool: "mcp__mesh__ask_agent",
  fake: () => openai,
  async setup(machineHome) {
    const provider = `model_providers.fake={name="fake",base_url="${openai.url}/v1",env_key="FAKE_OPENAI_KEY",wire_api="responses"}`;
    return {
      passthrough: ["codex", "-c", "model=gpt-fake", "-c", "model_provider=fake", "-c", provider],
      env: { PATH: path, CODEX_HOME: machineHome, FAKE_OPENAI_KEY: "dummy" },
    };
  },
  // Codex offers an MCP server's tools in a namespace: `mcp__mesh` holding `ask_agent`, ...
  offered: (r) =>
    (r.body?.tools ?? []).flatMap((t: { name?: string; tools?: { name: string }[] }) =>
      t.tools ? t.tools.map((inner) => `${t.name}__${inner.name}`) : t.name ? [t.name] : [],
    ),
  toolResults: (r) =>
    (r.body?.input ?? [])
      .filter((i: { type: string }) => i.type === "function_call_output")
      .map((i: { output: unknown }) => JSON.stringify(i.output)),
};

const geminiRuntime: Runtime = {
  type: "gemini",
  askTool: "mcp_mesh_ask_agent",
  fake: () => gemini,
  async setup(machineHome) {
    // Without this, a base URL makes the auth type "gateway", which headless mode rejects.
    await mkdir(join(machineHome, ".gemini"), { recursive: true });
    const settings = { security: { auth: { selectedType: "gemini-api-key" } } };
    writeFileSync(join(machineHome, ".gemini", "settings.json"), JSON.stringify(settings));
    return {
      passthrough: ["gemini", "-m", "gemini-fake"],
      env: {
        PATH: path,
        GEMINI_API_KEY: "dummy",
        GOOGLE_GEMINI_BASE_URL: gemini.url,
        GEMINI_CLI_TRUST_WORKSPACE: "true",
      },
    };
  },
  offered: (r) =>
    (r.body?.tools ?? []).flatMap((t: { functionDeclarations?: { name: string }[] }) =>
      (t.functionDeclarations ?? []).map((f) => f.name),
    ),
  toolResults: (r) =>
    (r.body?.contents ?? []).flatMap((c: { parts?: { functionResponse?: unknown }[] }) =>
      (c.parts ?? []).filter((p) => p.functionResponse).map((p) => JSON.stringify(p.functionResponse)),
    ),
};

/** A user with a logged-in owner home and a machine home that runs connectors. */
async function owner(name: string) {
  const user = await createUser(gateway.url, gateway.adminToken, name);
  const home = await loggedInHome(gateway.url, user.token);
  const machine = freshHome();
  await cliOk(["login", "--url", gateway.url, "--token", user.token], { home: machine });
  return { user, home, machine };
}

describe.each([codex, geminiRuntime])("served $type", (runtime) => {
  it("gets the mesh tools: it asks a second agent, the answer reaches the model and the first caller", {
    timeout: 120_000,
  }, async () => {
    const { user, home, machine } = await owner(`${runtime.type}-mesh`);
    const name = `${runtime.type}-reviewer`;
    await cliOk(["agents", "create", "--name", name, "--type", runtime.type], { home });
    const reviewer = (await user.api.get(`/v1/agents/${name}`)).body as { id: string };
    const tester = await createAgent(user.api, { name: `${runtime.type}-tester` });
    const second = await connectAgent(gateway.url, user.token, tester.name, (request, reply) =>
      reply.done(`TESTED(${request.message}) chain=${(request.chain ?? []).length}`),
    );
    const project = tempDir(`${runtime.type}-mesh-project`);
    // A project with Gemini settings of its own: the workspace's settings start from them.
    await mkdir(join(project, ".gemini", "commands"), { recursive: true });
    const projectSettings = JSON.stringify({ ui: { hideBanner: true } });
    writeFileSync(join(project, ".gemini", "settings.json"), projectSettings);
    const { passthrough, env } = await runtime.setup(machine);
    const conn = await connect([runtime.type, "--agent", name, "--project", project, "--", ...passthrough], {
      home: machine,
      env,
    });
    const fake = runtime.fake();
    const seen = fake.requests.length;
    // The fake model calls the mesh tool with this input, then answers with what the tool said.
    const ask = JSON.stringify({ to: tester.name, message: "run the suite" });
    const reply = await cliOk(["chat", name, `MCP_CALL:${runtime.askTool} ${ask}`], {
      home,
      timeoutMs: 100_000,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\nconnector output:\n${conn.output()}`);
    });
    expect(reply).toContain("TESTED(run the suite)");
    const requests = fake.requests.slice(seen);
    expect(requests.flatMap(runtime.offered)).toContain(runtime.askTool);
    // The model saw the second agent's answer as the tool's result.
    expect(requests.flatMap(runtime.toolResults).join("\n")).toContain("TESTED(run the suite)");
    // The chain caller → reviewer → tester reached the gateway and the second agent.
    expect(second.requests[0]!.chain).toEqual([reviewer.id, tester.id]);
    expect(reply).toContain("chain=2");
    second.stop();
    // Nothing outside the caller's workspace changed: the project's own Gemini settings are as they were.
    expect(readFileSync(join(project, ".gemini", "settings.json"), "utf8")).toBe(projectSettings);
    if (runtime.type === "gemini") expectGeminiWorkspace(project);
  });

  it("--no-mesh-tools: the model is offered no mesh tools", { timeout: 90_000 }, async () => {
    const { home, machine } = await owner(`${runtime.type}-nomesh`);
    const name = `${runtime.type}-plain`;
    await cliOk(["agents", "create", "--name", name, "--type", runtime.type], { home });
    const project = tempDir(`${runtime.type}-nomesh-project`);
    const { passthrough, env } = await runtime.setup(machine);
    const args = [runtime.type, "--agent", name, "--project", project, "--no-mesh-tools"];
    await connect([...args, "--", ...passthrough], { home: machine, env });
    const fake = runtime.fake();
    const seen = fake.requests.length;
    expect(await cliOk(["chat", name, "hello"], { home, timeoutMs: 60_000 })).toContain("echo: hello");
    const offered = fake.requests.slice(seen).flatMap(runtime.offered);
    expect(offered.length).toBeGreaterThan(0); // the model was offered the runtime's own tools
    expect(offered.filter((name) => name.includes("mesh"))).toEqual([]);
  });
});

/** The caller's workspace has its own `.gemini`: the project's settings plus the mesh server, other entries linked. */
function expectGeminiWorkspace(project: string): void {
  const clients = join(project, ".agent-mesh", "clients");
  const [client] = readdirSync(clients);
  const settings = JSON.parse(readFileSync(join(clients, client!, ".gemini", "settings.json"), "utf8"));
  expect(settings.ui).toEqual({ hideBanner: true });
  expect(settings.mcpServers.mesh).toMatchObject({
    trust: true,
    args: expect.arrayContaining(["mcp", "--as"]),
  });
  expect(readdirSync(join(clients, client!, ".gemini"))).toContain("commands");
}
