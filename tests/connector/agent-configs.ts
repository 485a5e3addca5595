/**
 * The real-binary suite configurations of claude, codex and gemini, shared by the plain test files and their
 * `--sandbox` variants (the same six tests, with every agent process inside the real sandbox).
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createAdapter } from "../../connector/src/agents/index.ts";
import type { ProcessSandbox } from "../../connector/src/agents/types.ts";
import { hostOfUrl } from "../../connector/src/sandbox/network.ts";
import { startSandbox } from "../../connector/src/sandbox/sandbox.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import type { AgentSuiteConfig } from "./agent-suite.ts";
import { agentBinary } from "./helpers.ts";

export interface Variant {
  /** Run every process in the sandbox. */
  sandboxed?: boolean;
  /** Extra environment for the binary (e.g. a PATH without bwrap). */
  env?: () => Promise<Record<string, string>>;
  /** Suite name suffix. */
  suffix?: string;
}

/** The sandbox for one suite. Loopback model fakes are reached through the proxy: allowed by their base URL. */
async function sandboxFor(
  variant: Variant,
  agentType: string,
  project: string,
  fakeUrl: string,
): Promise<ProcessSandbox | undefined> {
  if (!variant.sandboxed) return undefined;
  // claude and gemini get their fake's host from the base-URL variable; codex's provider URL is in its -c config.
  const allowHosts = agentType === "codex" ? [hostOfUrl(fakeUrl)!] : [];
  return startSandbox({ agentType, projectDir: project, allowHosts });
}

export function claudeSuite(variant: Variant = {}): AgentSuiteConfig {
  return {
    name: `claude${variant.suffix ?? ""}`,
    startFake: startAnthropicFake,
    adapter: async (url, home, { writes, project }) =>
      createAdapter("claude", {
        command: agentBinary("claude"),
        // acceptEdits lets the Write tool run; Bash read-only commands run in every mode.
        permissionMode: writes ? "acceptEdits" : "default",
        env: {
          HOME: home,
          ANTHROPIC_BASE_URL: url,
          ANTHROPIC_API_KEY: "dummy",
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
          CLAUDE_CODE_MAX_RETRIES: "0",
          ...(await variant.env?.()),
        },
        processSandbox: await sandboxFor(variant, "claude", project, url),
      }),
    isTurn: (r) => r.method === "POST" && r.path.startsWith("/v1/messages"),
    shellTool: "Bash",
    streamsDeltas: true,
  };
}

export function codexSuite(variant: Variant = {}): AgentSuiteConfig {
  return {
    name: `codex${variant.suffix ?? ""}`,
    startFake: startOpenAIResponsesFake,
    adapter: async (url, home, { writes, project }) =>
      createAdapter("codex", {
        command: agentBinary("codex"),
        sandbox: writes ? "workspace-write" : "read-only",
        // OPENAI_BASE_URL is ignored by codex: a custom provider is the way to reach the fake.
        config: [
          "model=gpt-fake",
          "model_provider=fake",
          `model_providers.fake={name="fake",base_url="${url}/v1",env_key="FAKE_OPENAI_KEY",wire_api="responses"}`,
        ],
        env: { HOME: home, CODEX_HOME: home, FAKE_OPENAI_KEY: "dummy", ...(await variant.env?.()) },
        processSandbox: await sandboxFor(variant, "codex", project, url),
      }),
    isTurn: (r) => r.method === "POST" && r.path.startsWith("/v1/responses"),
    shellTool: "command_execution",
    // `codex exec --json` prints whole agent messages, no token deltas.
    streamsDeltas: false,
  };
}

export function geminiSuite(variant: Variant = {}): AgentSuiteConfig {
  return {
    name: `gemini${variant.suffix ?? ""}`,
    startFake: startGeminiFake,
    adapter: async (url, home, { writes, project }) => {
      // Without this, a base URL makes the auth type "gateway", which headless mode rejects.
      await mkdir(join(home, ".gemini"), { recursive: true });
      await writeFile(
        join(home, ".gemini", "settings.json"),
        JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }),
      );
      return createAdapter("gemini", {
        command: agentBinary("gemini"),
        model: "gemini-fake",
        // Headless default mode does not register the shell tool; yolo is needed for the tool tests.
        approvalMode: writes ? "yolo" : "default",
        env: {
          HOME: home,
          GEMINI_API_KEY: "dummy",
          GOOGLE_GEMINI_BASE_URL: url,
          GEMINI_CLI_TRUST_WORKSPACE: "true",
          ...(await variant.env?.()),
        },
        processSandbox: await sandboxFor(variant, "gemini", project, url),
      });
    },
    isTurn: (r) => r.method === "POST" && r.path.includes(":streamGenerateContent"),
    shellTool: "run_shell_command",
    streamsDeltas: true,
  };
}
