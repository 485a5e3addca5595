/**
 * The real vercel-labs `skills` CLI (pinned 1.5.18 in tests/agents) installs from our per-author discovery index,
 * exactly as a user would: `npx skills add http://127.0.0.1:<port>/skills/<author> -y`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "../helpers/gateway-process.ts";
import { ROOT, skillMd, startStandaloneRegistry, zip } from "./helpers.ts";

const SKILLS_BIN = join(ROOT, "tests/agents/node_modules/.bin/skills");

interface Server {
  url: string;
  aliceToken: string;
  stop(): Promise<void>;
}

async function standalone(): Promise<Server> {
  const server = await startStandaloneRegistry();
  return { url: server.url, aliceToken: "alice-token", stop: () => server.stop() };
}

/** The Node gateway, with alice's token made by the admin through `POST /v1/tokens`. */
async function gateway(): Promise<Server> {
  const server = await startGateway({ runtime: "node", store: "memory" });
  const response = await fetch(`${server.url}/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "alice" }),
  });
  const { token } = (await response.json()) as { token: string };
  return { url: server.url, aliceToken: token, stop: () => server.stop() };
}

describe.each([
  ["the standalone registry", standalone],
  ["the Node gateway", gateway],
])("npx skills add <server>/skills/<author> against %s", (_name, start) => {
  let server: Server;
  const work = mkdtempSync(join(tmpdir(), "skills-cli-"));

  beforeAll(async () => {
    if (!existsSync(SKILLS_BIN))
      throw new Error(`the skills CLI is not installed: run npm ci --prefix tests/agents`);
    server = await start();
    const put = (slug: string, version: string, files: Record<string, string>) =>
      fetch(`${server.url}/v1/skills/alice/${slug}/${version}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${server.aliceToken}` },
        body: zip(files) as Uint8Array<ArrayBuffer>,
      });
    expect((await put("git-helper", "1.0.0", { "SKILL.md": skillMd("git-helper", "1.0.0") })).status).toBe(
      201,
    );
    const v2 = { "SKILL.md": skillMd("git-helper", "1.1.0"), "references/usage.md": "# Usage\n" };
    expect((await put("git-helper", "1.1.0", v2)).status).toBe(201);
    expect((await put("tidy", "0.1.0", { "SKILL.md": skillMd("tidy", "0.1.0") })).status).toBe(201);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  function runSkills(args: string[], cwd: string, home: string) {
    // `npx skills` resolves to this very binary once tests/agents is on the PATH, as in CI.
    const result = spawnSync("npx", ["skills", ...args], {
      cwd,
      env: {
        PATH: `${join(ROOT, "tests/agents/node_modules/.bin")}:${process.env.PATH}`,
        HOME: home,
        DISABLE_TELEMETRY: "1",
        CI: "1",
        npm_config_yes: "true",
      },
      input: "",
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
      timeout: 60_000,
    });
    return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
  }

  it("installs every latest skill of the author into .agents/skills with a .claude link", () => {
    const project = join(work, "project");
    const home = join(work, "home");
    for (const dir of [project, home]) spawnSync("mkdir", ["-p", dir]);
    const result = runSkills(
      ["add", `${server.url}/skills/alice`, "-y", "-a", "claude-code", "-a", "codex"],
      project,
      home,
    );
    expect(result.code, result.output).toBe(0);
    const installed = readFileSync(join(project, ".agents/skills/git-helper/SKILL.md"), "utf8");
    expect(installed).toContain('version: "1.1.0"');
    expect(readFileSync(join(project, ".agents/skills/git-helper/references/usage.md"), "utf8")).toBe(
      "# Usage\n",
    );
    expect(existsSync(join(project, ".agents/skills/tidy/SKILL.md"))).toBe(true);
    expect(lstatSync(join(project, ".claude/skills/git-helper")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(project, ".claude/skills/git-helper/SKILL.md"), "utf8")).toBe(installed);
  });

  it("installs one skill from its own discovery URL", () => {
    const project = join(work, "single");
    const home = join(work, "home-single");
    for (const dir of [project, home]) spawnSync("mkdir", ["-p", dir]);
    const url = `${server.url}/skills/alice/.well-known/agent-skills/tidy`;
    const result = runSkills(["add", url, "-y", "-a", "codex"], project, home);
    expect(result.code, result.output).toBe(0);
    expect(existsSync(join(project, ".agents/skills/tidy/SKILL.md"))).toBe(true);
    expect(existsSync(join(project, ".agents/skills/git-helper"))).toBe(false);
  });
});
