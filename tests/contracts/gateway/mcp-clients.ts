/**
 * Real third-party MCP clients against the gateway: the MCP Inspector CLI, the official conformance suite (its
 * scenarios that apply to a gateway, run on Node 22 against a share link's MCP URL, which needs no header), and
 * the real `claude` binary calling `mcp__mesh__ask_agent` with the result reaching a fake model.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startAnthropicFake } from "../../fakes/anthropic.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import type { GatewayContext } from "./index.ts";

const AGENTS = resolve(import.meta.dirname, "../../agents/node_modules");
const BIN = join(AGENTS, ".bin");
/** Node 22 and the conformance suite live in a prefix of their own (see tests/agents/ensure-installed.mjs). */
const NODE22_MODULES = resolve(import.meta.dirname, "../../agents/node22/node_modules");
const NODE22 = join(NODE22_MODULES, "node/bin/node");
const CONFORMANCE_SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "server-sse-multiple-streams",
  "dns-rebinding-protection",
];

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

function requireBinary(path: string): void {
  if (!existsSync(path))
    throw new Error(`${path} is missing: run \`npm ci --prefix tests/agents --no-audit --no-fund\` first.`);
}

export function mcpClientsContract(ctx: () => GatewayContext): void {
  const homes: string[] = [];
  const home = async () => {
    const dir = await mkdtemp(join(tmpdir(), "agent-mesh-mcp-client-"));
    homes.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(homes.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const user = await createUser(url, adminToken, name);
    const agent = await createAgent(user.api, { description: "answers in capitals" });
    const live = await connectAgent(url, user.token, agent.name, (request, reply) =>
      reply.done(`ANSWER(${request.message.toUpperCase()})`),
    );
    return { url, user, agent, live };
  }

  describe("real MCP clients", () => {
    it("the MCP Inspector CLI lists and calls the tools of a share link", async () => {
      requireBinary(join(BIN, "mcp-inspector"));
      // Inspector 0.15.0 (the last release that runs on Node 20) has no header option: a share link's MCP URL,
      // which carries its own capability, is what it can use.
      const { url, user, agent, live } = await setup("inspector-user");
      const share = await user.api.post(`/v1/agents/${agent.name}/shares`, {});
      const dir = await home();
      const env = { PATH: process.env.PATH!, HOME: dir, MCP_CATALOG_PATH: join(dir, "catalog.json") };
      const inspector = (target: string, args: string[]) =>
        run(join(BIN, "mcp-inspector"), ["--cli", target, "--transport", "http", ...args], env);
      try {
        const listed = await inspector(`${share.body.url}mcp`, ["--method", "tools/list"]);
        expect(listed.code, listed.stderr).toBe(0);
        const names = JSON.parse(listed.stdout).tools.map((t: { name: string }) => t.name);
        expect(names).toContain("ask_agent");
        const called = await inspector(`${share.body.url}mcp`, [
          "--method",
          "tools/call",
          "--tool-name",
          "ask_agent",
          "--tool-arg",
          `to=${agent.name}`,
          "message=from the inspector",
        ]);
        expect(called.code, called.stderr).toBe(0);
        expect(JSON.parse(called.stdout).content[0].text).toBe("ANSWER(FROM THE INSPECTOR)");
        // Without a token the gateway's own endpoint refuses it.
        const noToken = await inspector(`${url}/mcp`, ["--method", "tools/list"]);
        expect(noToken.code).not.toBe(0);
      } finally {
        live.stop();
      }
    });

    it("passes the official conformance scenarios that apply to a gateway (Node 22)", async () => {
      requireBinary(NODE22);
      const { agent, user, live } = await setup("conformance-user");
      const share = await user.api.post(`/v1/agents/${agent.name}/shares`, {});
      // dns-rebinding-protection insists on a localhost URL.
      const target = `${share.body.url.replace("127.0.0.1", "localhost")}mcp`;
      const env = { PATH: `${join(NODE22_MODULES, "node/bin")}:${process.env.PATH}`, HOME: await home() };
      try {
        for (const scenario of CONFORMANCE_SCENARIOS) {
          const result = await run(
            NODE22,
            [
              join(NODE22_MODULES, "@modelcontextprotocol/conformance/dist/index.js"),
              "server",
              "--url",
              target,
              "--scenario",
              scenario,
            ],
            env,
          );
          expect(result.code, `${scenario}:\n${result.stdout}\n${result.stderr}`).toBe(0);
        }
      } finally {
        live.stop();
      }
    });

    it("the real claude binary calls mcp__mesh__ask_agent and the answer reaches the model", async () => {
      requireBinary(join(BIN, "claude"));
      const { url, user, agent, live } = await setup("claude-mcp-user");
      const fake = await startAnthropicFake();
      const dir = await home();
      const config = join(dir, "mcp.json");
      await writeFile(
        config,
        JSON.stringify({
          mcpServers: {
            mesh: { type: "http", url: `${url}/mcp`, headers: { Authorization: `Bearer ${user.token}` } },
          },
        }),
      );
      const input = JSON.stringify({ to: agent.name, message: "hello from claude" });
      try {
        const result = await run(
          join(BIN, "claude"),
          [
            "-p",
            `MCP_CALL:mcp__mesh__ask_agent ${input}`,
            "--output-format",
            "json",
            "--mcp-config",
            config,
            "--strict-mcp-config",
            "--allowedTools",
            "mcp__mesh__ask_agent",
          ],
          {
            PATH: process.env.PATH!,
            HOME: dir,
            ANTHROPIC_BASE_URL: fake.url,
            ANTHROPIC_API_KEY: "dummy",
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
            CLAUDE_CODE_MAX_RETRIES: "0",
            ENABLE_TOOL_SEARCH: "false",
          },
          120_000,
        );
        expect(result.code, result.stderr + result.stdout).toBe(0);
        expect(JSON.parse(result.stdout).result).toContain("tool said: ANSWER(HELLO FROM CLAUDE)");
        expect(live.requests.map((r) => r.message)).toContain("hello from claude");
      } finally {
        live.stop();
        await fake.close();
      }
    });
  });
}
