/**
 * `agent-mesh skills publish` with names Windows cannot hold (skipped with a warning) or that clash in letter case
 * (refused with `path_case_clash`), and with the placeholder description `skills init` writes (a warning line);
 * `agent-mesh skills update` when one locked skill can no longer be resolved (reported, the rest still update,
 * exit 1). Real CLI processes against the standalone registry on 127.0.0.1.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliAsync } from "./cli-flow.ts";
import { type RunningProcess, skillMd, startStandaloneRegistry, zip } from "./helpers.ts";

const LOCK = "agent-mesh-skills.lock.json";
let registry: RunningProcess;
let work: string;
let home: string;

const run = (args: string[], cwd = work) =>
  cliAsync(["skills", ...args], { cwd, home, url: registry.url, token: "alice-token" });

/** A skill folder `name` holding SKILL.md and `files`. */
function folder(name: string, files: Record<string, string> = {}, text = skillMd(name, "1.0.0")): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "SKILL.md"), text);
  for (const [path, data] of Object.entries(files)) writeFileSync(join(dir, path), data);
  return name;
}

async function put(slug: string, version: string): Promise<void> {
  const response = await fetch(`${registry.url}/v1/skills/alice/${slug}/${version}`, {
    method: "PUT",
    headers: { authorization: "Bearer alice-token" },
    body: zip({ "SKILL.md": skillMd(slug, version) }) as Uint8Array<ArrayBuffer>,
  });
  expect(response.status).toBe(201);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "skills-edges-"));
  home = join(work, "home");
  mkdirSync(home, { recursive: true });
  registry = await startStandaloneRegistry();
});

afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("skills publish and names Windows cannot hold", () => {
  it("skips device names and trailing dots or spaces with a warning, and publishes the rest", async () => {
    const name = folder("portable", { "nul.txt": "x", con: "x", "trail. ": "x", "ok.md": "x" });
    const dry = await run(["publish", name, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('skip  nul.txt ("nul.txt" names a Windows device');
    expect(dry.stdout).toContain('skip  trail.  ("trail. " ends in a dot or a space');
    expect(dry.stdout).toContain(
      "warning: 3 files were left out because the registry refuses their names: con, nul.txt, trail. ",
    );
    expect(dry.stdout).toContain("pack  ok.md");
    const published = await run(["publish", name]);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain("published alice/portable@1.0.0");
  });

  it("refuses two files that differ only in letter case, with path_case_clash", async () => {
    const name = folder("clash", { "a.md": "one", "A.md": "two" });
    for (const extra of [["--dry-run"], []]) {
      const result = await run(["publish", name, ...extra]);
      expect(result.code).toBe(1);
      expect(result.stdout).not.toMatch(/would publish|published/);
      expect(result.stderr).toContain(
        "a.md: differs from A.md only in letter case; Windows and case-insensitive macOS volumes hold only one of them [path_case_clash]",
      );
    }
  });
});

describe("skills publish and the placeholder description", () => {
  it("warns, without refusing, when the description is still the one skills init wrote", async () => {
    const init = await run(["init", "fresh"]);
    expect(init.code, init.stderr).toBe(0);
    const skill = join(work, "fresh/SKILL.md");
    writeFileSync(skill, readFileSync(skill, "utf8").replace('version: "0.1.0"', 'version: "1.0.0"'));
    const dry = await run(["publish", "fresh", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      "warning: the description is still the placeholder from `agent-mesh skills init`",
    );
    expect(dry.stdout).toContain("dry run: would publish alice/fresh@1.0.0");
    const published = await run(["publish", "fresh"]);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain("warning: the description is still the placeholder");
    expect(published.stdout).toContain("published alice/fresh@1.0.0");

    const described = await run(["publish", folder("described"), "--dry-run"]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).not.toContain("placeholder");
  });
});

describe("skills update with a skill that can no longer be resolved", () => {
  it("reports that skill with its code, updates the rest and exits 1", async () => {
    await put("stale", "1.0.0");
    await put("fresh-up", "1.0.0");
    const dir = join(work, "project");
    mkdirSync(dir);
    for (const skill of ["alice/stale", "alice/fresh-up"]) {
      const installed = await run(["install", skill], dir);
      expect(installed.code, installed.stderr).toBe(0);
    }
    await put("fresh-up", "1.1.0");
    // The unresolvable entries come first, so a command that stops at the first failure updates nothing.
    const lock = JSON.parse(readFileSync(join(dir, LOCK), "utf8"));
    const stale = { ...lock.skills["alice/stale"], range: "^9.0.0" };
    const gone = { ...lock.skills["alice/stale"], range: "^1.0.0" };
    lock.skills = {
      "alice/stale": stale,
      "alice/gone": gone,
      "alice/fresh-up": lock.skills["alice/fresh-up"],
    };
    writeFileSync(join(dir, LOCK), JSON.stringify(lock));

    const result = await run(["update"], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("updated alice/fresh-up 1.0.0 → 1.1.0");
    expect(result.stdout).toContain("1 updated, 0 up to date, 0 skipped, 2 failed");
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /^agent-mesh: no version of alice\/stale matches "\^9\.0\.0".*\[version_not_found\]$/,
      ),
      'agent-mesh: no skill "alice/gone" [skill_not_found]',
    ]);
    const after = JSON.parse(readFileSync(join(dir, LOCK), "utf8"));
    expect(after.skills["alice/fresh-up"].version).toBe("1.1.0");
    expect(after.skills["alice/stale"]).toEqual(stale);

    const json = await run(["update", "--json"], dir);
    expect(json.code).toBe(1);
    // The first run rewrote the lock file, in name order.
    expect(JSON.parse(json.stdout).failed).toEqual([
      expect.objectContaining({ name: "alice/gone", code: "skill_not_found" }),
      expect.objectContaining({ name: "alice/stale", code: "version_not_found" }),
    ]);
  });
});
