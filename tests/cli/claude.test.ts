/**
 * The real Claude Code binary (pinned in tests/agents) behind `agent-mesh connect claude`, answering through a
 * fake Messages API on loopback; `agent-mesh chat` prints its reply.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBinary, fakeClaudeEnv } from "../connector/helpers.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeServer } from "../fakes/fake-server.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { cleanupCli, cliOk, connect, freshHome, loggedInHome, tempDir } from "./helpers.ts";

let gateway: GatewayProcess;
let fake: FakeServer;

beforeAll(async () => {
  agentBinary("claude"); // fails with the install command when tests/agents is not installed
  // A real binary's first output may take seconds on a busy machine (its start, the mesh server's, a model
  // call): a wider stream idle limit than the suites' 5 s.
  gateway = await startGateway({
    runtime: "node",
    store: "fs",
    env: { AGENT_MESH_SYNC_TIMEOUT_MS: "60000" },
  });
  fake = await startAnthropicFake();
});

afterAll(async () => {
  await cleanupCli();
  await fake?.close();
  await gateway?.stop();
});

describe("connect claude", () => {
  it("chat reaches the real claude binary and prints the model's reply", { timeout: 60_000 }, async () => {
    const user = await createUser(gateway.url, gateway.adminToken, "grace");
    const owner = await loggedInHome(gateway.url, user.token);
    await cliOk(["agents", "create", "--name", "claudia", "--type", "claude"], { home: owner });
    const machineHome = freshHome();
    await cliOk(["login", "--url", gateway.url, "--token", user.token], { home: machineHome });
    const conn = await connect(["claude", "--agent", "claudia", "--project", tempDir("claude-project")], {
      home: machineHome,
      env: fakeClaudeEnv(fake.url),
    });
    expect(await cliOk(["chat", "claudia", "hi"], { home: owner, timeoutMs: 45_000 })).toBe("echo: hi\n");
    expect(fake.requests.some((r) => r.method === "POST" && r.path.startsWith("/v1/messages"))).toBe(true);
    // Per-request lines are written in batches, a moment after the answer.
    await conn.waitFor(/request rq_\w+ done/);
  });

  it("gives the connected claude the mesh tools: it asks a second agent and the answer reaches the first caller", {
    timeout: 90_000,
  }, async () => {
    const user = await createUser(gateway.url, gateway.adminToken, "hedy");
    const owner = await loggedInHome(gateway.url, user.token);
    await cliOk(["agents", "create", "--name", "reviewer", "--type", "claude"], { home: owner });
    const tester = await createAgent(user.api, { name: "tester" });
    const second = await connectAgent(gateway.url, user.token, tester.name, (request, reply) =>
      reply.done(`TESTED(${request.message}) chain=${(request.chain ?? []).length}`),
    );
    const machineHome = freshHome();
    await cliOk(["login", "--url", gateway.url, "--token", user.token], { home: machineHome });
    await connect(["claude", "--agent", "reviewer", "--project", tempDir("claude-mesh-project")], {
      home: machineHome,
      env: { ...fakeClaudeEnv(fake.url), ENABLE_TOOL_SEARCH: "false" },
    });
    // The fake model calls the mesh tool with this input, then answers with what the tool said.
    const ask = JSON.stringify({ to: "tester", message: "run the suite" });
    const reply = await cliOk(["chat", "reviewer", `MCP_CALL:mcp__mesh__ask_agent ${ask}`], {
      home: owner,
      timeoutMs: 75_000,
    });
    expect(reply).toContain("TESTED(run the suite)");
    // The second agent saw the chain caller → reviewer → tester.
    expect(second.requests[0]!.chain).toHaveLength(2);
    expect(reply).toContain("chain=2");
    second.stop();
  });
});
