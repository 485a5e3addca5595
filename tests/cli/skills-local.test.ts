/**
 * `agent-mesh skills` refusals that need no registry: a folder without SKILL.md (`version` says it as `publish`
 * does) and a SKILL.md the registry would refuse, checked with the registry's own rules before the name goes into
 * the upload URL, for `--dry-run` and a real publish alike. The gateway given is a closed port: a request would
 * fail with `cannot reach`. (The flow against a real registry: tests/skills.)
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/redis-server.ts";
import { cleanupCli, freshHome, runCli, tempDir } from "./helpers.ts";

let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  home = freshHome();
  env = { AGENT_MESH_URL: `http://127.0.0.1:${await freePort()}`, AGENT_MESH_TOKEN: "amk_unused" };
});

afterAll(cleanupCli);

const skillMd = (name: string) =>
  `---\nname: ${name}\ndescription: For tests.\nmetadata:\n  version: "1.0.0"\n---\n# ${name}\n`;

describe("skills, before any request", () => {
  it("version in a folder without SKILL.md fails as publish does", async () => {
    const cwd = tempDir("no-skill");
    const version = await runCli(["skills", "version", "minor"], { home, env, cwd });
    const publish = await runCli(["skills", "publish", "--dry-run"], { home, env, cwd });
    expect(version.stderr).toMatch(
      /^agent-mesh: no SKILL\.md in \S+ \(run `agent-mesh skills init`\) \[skill_md_missing\]\n$/,
    );
    expect(version.stderr).toBe(publish.stderr);
    expect([version.code, publish.code]).toEqual([1, 1]);
  });

  it("publish refuses a name the registry would refuse, with its code, also with --dry-run", async () => {
    const cwd = tempDir("bad-name");
    writeFileSync(join(cwd, "SKILL.md"), skillMd("Other_Bad"));
    for (const args of [["--dry-run"], []]) {
      const run = await runCli(["skills", "publish", ...args], { home, env, cwd });
      expect(run.stdout).not.toContain("would publish");
      expect(run.stderr).toContain(`the registry would refuse ${cwd}/SKILL.md`);
      expect(run.stderr).toContain("[name_invalid]");
      expect(run.stderr).not.toContain("cannot reach"); // refused before any request
      expect(run.code).toBe(1);
    }
    // Every problem at once, each with its code.
    writeFileSync(join(cwd, "SKILL.md"), skillMd("Other_Bad").replace("description: For tests.\n", ""));
    const both = await runCli(["skills", "publish", "--dry-run"], { home, env, cwd });
    expect(both.stderr).toMatch(/\[name_invalid\][\s\S]*\[description_missing\]/);

    writeFileSync(join(cwd, "SKILL.md"), skillMd("other-good"));
    const fixed = await runCli(["skills", "publish", "--dry-run"], { home, env, cwd });
    expect(fixed.stdout).toContain("dry run: would publish other-good@1.0.0");
    expect(fixed.code).toBe(0);
  });
});
