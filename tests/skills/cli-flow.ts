/**
 * The `agent-mesh skills` end-to-end flow, run against any real server that hosts the registry under
 * `/v1/skills` (the standalone entry, the Node gateway). Every command is a real `node connector/bin/agent-mesh.mjs`
 * process with its own HOME, config folder and project folders.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { ROOT } from "./helpers.ts";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

type CliOptions = { cwd: string; home: string; url: string; token?: string };

/** A bare environment: the CLI sees only its own home, gateway and token. */
function cliEnv(options: CliOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: options.home,
    AGENT_MESH_HOME: join(options.home, ".agent-mesh"),
    AGENT_MESH_URL: options.url,
    ...(options.token ? { AGENT_MESH_TOKEN: options.token } : {}),
  };
}

export function cli(args: string[], options: CliOptions): CliRun {
  const result = spawnSync(process.execPath, [join(ROOT, "connector/bin/agent-mesh.mjs"), ...args], {
    cwd: options.cwd,
    env: cliEnv(options),
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like `cli`, without blocking the test process (for servers that live inside it). */
export function cliAsync(args: string[], options: CliOptions): Promise<CliRun> {
  const child = spawn(process.execPath, [join(ROOT, "connector/bin/agent-mesh.mjs"), ...args], {
    cwd: options.cwd,
    env: cliEnv(options),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

function ok(run: CliRun): CliRun {
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  return run;
}

/** publish → search → install → lock → update → remove → restore offline, plus collisions and local edits. */
export async function runCliFlow(options: {
  url: string;
  aliceToken: string;
  bobToken: string;
  work: string;
}): Promise<void> {
  const { url, work } = options;
  const author = join(work, "author");
  const home = join(work, "home");
  const project = join(work, "project");
  for (const dir of [author, home, project]) mkdirSync(dir, { recursive: true });
  const asAlice = { cwd: author, home, url, token: options.aliceToken };

  ok(cli(["skills", "init", "git-helper"], asAlice));
  ok(cli(["skills", "version", "1.0.0", "git-helper"], asAlice));
  writeFileSync(join(author, "git-helper/.env"), "TOKEN=secret\n");
  mkdirSync(join(author, "git-helper/scripts"));
  writeFileSync(join(author, "git-helper/scripts/check.sh"), "#!/bin/sh\ntouch /tmp/should-never-run\n");
  const dry = ok(cli(["skills", "publish", "git-helper", "--dry-run"], asAlice));
  expect(dry.stdout).toMatch(/skip {2}\.env/);
  expect(dry.stdout).toMatch(/pack {2}scripts\/check\.sh/);
  expect(dry.stdout).toContain("dry run");
  const published = ok(cli(["skills", "publish", "git-helper"], asAlice));
  expect(published.stdout).toMatch(/published alice\/git-helper@1\.0\.0 sha512-/);
  const again = cli(["skills", "publish", "git-helper"], asAlice);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("already published");

  const found = JSON.parse(ok(cli(["skills", "search", "git", "--json"], asAlice)).stdout);
  expect(found.map((s: { name: string }) => s.name)).toEqual(["alice/git-helper"]);
  expect(JSON.parse(ok(cli(["skills", "list", "--json"], asAlice)).stdout)[0].version).toBe("1.0.0");

  // Install into a fresh project as an anonymous reader.
  const reader = { cwd: project, home, url };
  ok(cli(["skills", "install", "alice/git-helper"], reader));
  const canonical = join(project, ".agents/skills/git-helper");
  expect(readFileSync(join(canonical, "SKILL.md"), "utf8")).toContain('version: "1.0.0"');
  expect(existsSync(join(canonical, ".env"))).toBe(false);
  expect(existsSync("/tmp/should-never-run")).toBe(false);
  expect(readlinkSync(join(project, ".claude/skills/git-helper"))).toBe("../../.agents/skills/git-helper");
  const lockPath = join(project, "agent-mesh-skills.lock.json");
  const lock = JSON.parse(readFileSync(lockPath, "utf8"));
  const entry = lock.skills["alice/git-helper"];
  expect(Object.keys(entry)).toEqual(["content", "integrity", "range", "resolved", "version"]);
  expect(entry).toMatchObject({
    version: "1.0.0",
    range: "^1.0.0",
    resolved: `${url}/v1/skills/alice/git-helper/-/git-helper-1.0.0.zip`,
  });
  expect(entry.integrity).toMatch(/^sha512-/);
  expect(readFileSync(lockPath, "utf8")).not.toMatch(/20\d\d-\d\d-\d\dT/);

  // A new minor and a new major: update stays within ^1.0.0.
  ok(cli(["skills", "version", "minor", "git-helper"], asAlice));
  ok(cli(["skills", "publish", "git-helper"], asAlice));
  ok(cli(["skills", "version", "major", "git-helper"], asAlice));
  ok(cli(["skills", "publish", "git-helper"], asAlice));
  const status = JSON.parse(ok(cli(["skills", "installed", "--check-updates", "--json"], reader)).stdout);
  expect(status[0]).toMatchObject({
    name: "alice/git-helper",
    version: "1.0.0",
    wanted: "1.1.0",
    latest: "2.0.0",
    status: "ok",
  });
  const updated = ok(cli(["skills", "update"], reader));
  expect(updated.stdout).toContain("updated alice/git-helper 1.0.0 → 1.1.0");
  expect(updated.stdout).toContain("1 updated, 0 up to date, 0 skipped");

  // Local edits are protected on update unless --force.
  ok(cli(["skills", "deprecate", "alice/git-helper@<2", "use 2.x"], asAlice));
  ok(cli(["skills", "dist-tag", "add", "alice/git-helper@1.1.0", "stable"], asAlice));
  writeFileSync(
    join(canonical, "SKILL.md"),
    `${readFileSync(join(canonical, "SKILL.md"), "utf8")}\nmy note\n`,
  );
  const modified = JSON.parse(ok(cli(["skills", "installed", "--check-updates", "--json"], reader)).stdout);
  expect(modified[0]).toMatchObject({ status: "modified", deprecated: "use 2.x" });
  const refused = cli(["skills", "install", "alice/git-helper@2"], reader);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("local changes");
  // A lower version published later does not move `latest`, but is within the installed range.
  ok(cli(["skills", "version", "1.2.0", "git-helper"], asAlice));
  ok(cli(["skills", "publish", "git-helper"], asAlice));
  const info = JSON.parse(ok(cli(["skills", "info", "alice/git-helper", "--json"], reader)).stdout);
  expect(info["dist-tags"]).toEqual({ latest: "2.0.0", stable: "1.1.0" });
  const skipped = ok(cli(["skills", "update"], reader));
  expect(skipped.stdout).toContain("skipped alice/git-helper: modified locally");
  expect(skipped.stdout).toContain("0 updated, 0 up to date, 1 skipped");
  const forced = ok(cli(["skills", "install", "alice/git-helper@2", "--force"], reader));
  expect(forced.stdout).toContain("installed alice/git-helper@2.0.0");

  // Same slug from another author is refused, naming the owner.
  const bob = { cwd: author, home: join(work, "bob-home"), url, token: options.bobToken };
  mkdirSync(join(work, "bob"), { recursive: true });
  ok(cli(["skills", "init", join(work, "bob/git-helper")], bob));
  ok(cli(["skills", "version", "1.0.0", join(work, "bob/git-helper")], bob));
  ok(cli(["skills", "publish", join(work, "bob/git-helper")], bob));
  const clash = cli(["skills", "install", "bob/git-helper"], reader);
  expect(clash.code).toBe(1);
  expect(clash.stderr).toContain("alice/git-helper (owner alice)");

  // Remove, then restore from the lock file with the server gone (offline, from the cache).
  const finalLock = readFileSync(lockPath, "utf8");
  ok(cli(["skills", "remove", "git-helper"], reader));
  expect(existsSync(canonical)).toBe(false);
  expect(() => lstatSync(join(project, ".claude/skills/git-helper"))).toThrow();
  writeFileSync(lockPath, finalLock);
  const offline = { ...reader, url: "http://127.0.0.1:9" };
  const restored = ok(cli(["skills", "install"], offline));
  expect(restored.stdout).toContain("restored alice/git-helper@2.0.0");
  expect(readFileSync(join(canonical, "SKILL.md"), "utf8")).toContain('version: "2.0.0"');
  expect(readFileSync(lockPath, "utf8")).toBe(finalLock);
}
