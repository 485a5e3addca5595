/**
 * `agent-mesh codex --as dev` and `agent-mesh gemini --as dev` in a real terminal (tmux on a private socket), the
 * way a person starts them: the CLI's own `/mcp` lists the mesh server connected, the agent is online as an
 * interactive session, and after Gemini's `/quit` the session home is gone and the person's settings are as they
 * were. (What the model does with the tools is covered headless by interactive-codex-gemini.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_BIN, agentBinary } from "../connector/helpers.ts";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { privateTmux } from "../helpers/tmux.ts";
import { waitFor } from "../helpers/wait.ts";
import { BIN, cleanupCli, loggedInHome, tempDir } from "./helpers.ts";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!hasTmux) {
  if (process.env.REQUIRE_TMUX === "1") throw new Error("tmux is required (REQUIRE_TMUX=1): install tmux");
  console.warn("SKIPPED: interactive agent-mesh codex|gemini under tmux (install tmux)");
}

let gateway: GatewayProcess;
const terminal = privateTmux(`agent-mesh-tui-${process.pid}`);
const tmux = terminal.run;
const screen = terminal.screen;

beforeAll(async () => {
  if (!hasTmux) return;
  agentBinary("codex");
  agentBinary("gemini");
  gateway = await startGateway({ runtime: "node", store: "fs" });
});

afterAll(async () => {
  // Our own tmux server (private socket): its sessions end with it, and we wait for their processes to exit.
  if (hasTmux) await terminal.stop();
  await cleanupCli();
  await gateway?.stop();
});

/** Starts `agent-mesh <cli> --as <agent> -- <args>` in a tmux session named after the CLI. */
function startSession(cli: string, agent: string, env: Record<string, string>, args: string[]): void {
  // A CI runner's CI variables reach the pane through tmux; Ink (Gemini's UI) then draws nothing until it exits.
  // A person at a terminal has none of them.
  const ciVariables = Object.keys(process.env).filter((key) =>
    /^(CI|CONTINUOUS_INTEGRATION|CI_.*)$/.test(key),
  );
  const command = [
    "env",
    ...ciVariables.flatMap((key) => ["-u", key]),
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    process.execPath,
    BIN,
  ];
  const started = tmux(
    "new-session",
    "-d",
    "-s",
    cli,
    "-x",
    "160",
    "-y",
    "50",
    "-c",
    tempDir(`${cli}-tui-project`),
    ...command,
    cli,
    "--as",
    agent,
    "--",
    ...args,
  );
  expect(started.status, started.stderr).toBe(0);
}

/**
 * Waits for the CLI's prompt; its first start on a cold machine, with the rest of the suite beside it, can take a
 * while. Says what the terminal showed when the prompt never came.
 */
async function promptShown(session: string, prompt: string): Promise<void> {
  await waitFor(() => screen(session).includes(prompt), { timeoutMs: 60_000 }).catch(() => {
    throw new Error(`${session}'s prompt never showed; the screen:\n${screen(session)}`);
  });
}

/** Types a slash command (again until `seen` shows: a CLI may still be starting its MCP servers). */
async function slash(session: string, command: string, seen: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    tmux("send-keys", "-t", session, "-l", command);
    await new Promise((resolve) => setTimeout(resolve, 300));
    tmux("send-keys", "-t", session, "Enter");
    const shown = await waitFor(() => screen(session).includes(seen), { timeoutMs: 8_000 }).then(
      () => true,
      () => false,
    );
    if (shown) return;
    if (attempt === 4) throw new Error(`${command} never showed "${seen}"; the screen:\n${screen(session)}`);
  }
}

describe.skipIf(!hasTmux)("agent-mesh codex|gemini --as in a terminal", () => {
  it("codex lists the mesh server connected, online as the agent; closing the terminal ends it", {
    timeout: 150_000,
  }, async () => {
    const user = await createUser(gateway.url, gateway.adminToken, "tui-codex");
    const dev = await createAgent(user.api, { name: "tui-codex-dev" });
    const home = await loggedInHome(gateway.url, user.token);
    const provider = `model_providers.fake={name="fake",base_url="http://127.0.0.1:9/v1",env_key="FAKE_OPENAI_KEY",wire_api="responses"}`;
    startSession(
      "codex",
      dev.name,
      {
        HOME: home,
        AGENT_MESH_HOME: join(home, ".agent-mesh"),
        CODEX_HOME: home,
        FAKE_OPENAI_KEY: "dummy",
        PATH: `${AGENT_BIN}${delimiter}${process.env.PATH}`,
      },
      ["-c", "model=gpt-fake", "-c", "model_provider=fake", "-c", provider],
    );
    await waitFor(async () => (await user.api.get(`/v1/agents/${dev.name}`)).body.mode === "interactive", {
      timeoutMs: 30_000,
      what: `${dev.name} online as interactive; screen:\n${screen("codex")}`,
    });
    await promptShown("codex", "Ask Codex");
    await slash("codex", "/mcp", "mesh: connected");

    // Closing the terminal ends the session: codex and its mesh server exit, and the agent leaves at once.
    await terminal.close("codex");
    expect((await user.api.get(`/v1/agents/${dev.name}`)).body.online).toBe(false);
  });

  it("gemini lists the mesh server ready; after /quit the person's home is as it was", {
    timeout: 150_000,
  }, async () => {
    const user = await createUser(gateway.url, gateway.adminToken, "tui-gemini");
    const dev = await createAgent(user.api, { name: "tui-gemini-dev" });
    const home = await loggedInHome(gateway.url, user.token);
    // A returning user: signed in with a key, theme chosen (no first-run dialogs).
    const settings = JSON.stringify({
      security: { auth: { selectedType: "gemini-api-key" } },
      ui: { theme: "Default" },
    });
    await mkdir(join(home, ".gemini"), { recursive: true });
    writeFileSync(join(home, ".gemini", "settings.json"), settings);
    const tmp = tempDir("gemini-tui-tmp");
    startSession(
      "gemini",
      dev.name,
      {
        HOME: home,
        AGENT_MESH_HOME: join(home, ".agent-mesh"),
        TMPDIR: tmp,
        GEMINI_API_KEY: "dummy",
        GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:9",
        GEMINI_CLI_TRUST_WORKSPACE: "true",
        PATH: `${AGENT_BIN}${delimiter}${process.env.PATH}`,
      },
      ["-m", "gemini-fake"],
    );
    await waitFor(async () => (await user.api.get(`/v1/agents/${dev.name}`)).body.mode === "interactive", {
      timeoutMs: 30_000,
      what: `${dev.name} online as interactive; screen:\n${screen("gemini")}`,
    });
    await promptShown("gemini", "Type your message");
    await slash("gemini", "/mcp list", "mesh - Ready");
    expect(screen("gemini")).toContain("mcp_mesh_check_messages");

    // The first Enter may only pick the completion of `/quit`: press it until the session ends.
    tmux("send-keys", "-t", "gemini", "-l", "/quit");
    for (let press = 1; tmux("has-session", "-t", "gemini").status === 0; press++) {
      if (press > 20) throw new Error(`gemini did not quit; the screen:\n${screen("gemini")}`);
      tmux("send-keys", "-t", "gemini", "Enter");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(readFileSync(join(home, ".gemini", "settings.json"), "utf8")).toBe(settings);
    expect(readdirSync(join(home, ".gemini"))).toContain("installation_id"); // written during the session
    expect(readdirSync(tmp).filter((name) => name.startsWith("agent-mesh-gemini-"))).toEqual([]);
  });
});
