/**
 * `agent-mesh skills publish --dry-run` applies the registry's caps as well as its SKILL.md rules, names the
 * publisher, explains skipped names and warns about them, and reports a YAML alias bomb with its code. Also
 * `skills dist-tag add` with a tag that is no URL segment. Runs against the standalone registry.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../skills-registry/src/limits.ts";
import { cliAsync } from "./cli-flow.ts";
import { type RunningProcess, skillMd, startStandaloneRegistry } from "./helpers.ts";

describe("skills publish --dry-run", () => {
  let registry: RunningProcess;
  const work = mkdtempSync(join(tmpdir(), "skills-dry-run-"));
  const home = join(work, "home");
  const as = () => ({ cwd: work, home, url: registry.url, token: "alice-token" });

  /** A skill folder `name` holding SKILL.md and `files`. */
  function folder(
    name: string,
    files: Record<string, string | Uint8Array> = {},
    text = skillMd(name, "1.0.0"),
  ) {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "SKILL.md"), text);
    for (const [path, data] of Object.entries(files)) writeFileSync(join(dir, path), data);
    return name;
  }

  beforeAll(async () => {
    mkdirSync(home, { recursive: true });
    registry = await startStandaloneRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("names the publisher and warns about files left out for their names", async () => {
    const name = folder("weird", { "a:b.md": "x", "résumé.md": "x", "ok.md": "x" });
    const run = await cliAsync(["skills", "publish", name, "--dry-run"], as());
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("skip  a:b.md (path must be printable ASCII");
    expect(run.stdout).not.toContain("absolute path");
    expect(run.stdout).toContain(
      "warning: 2 files were left out because the registry refuses their names: a:b.md, résumé.md",
    );
    expect(run.stdout).toContain("dry run: would publish alice/weird@1.0.0\n");
  });

  it("applies the registry's caps, each problem with its own code", async () => {
    const big = folder("big", { "big.bin": new Uint8Array(LIMITS.fileBytes + 1) });
    const run = await cliAsync(["skills", "publish", big, "--dry-run"], as());
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain("would publish");
    expect(run.stderr).toContain(`big.bin: larger than ${LIMITS.fileBytes} bytes (5.0 MB) [file_too_large]`);

    const many = folder(
      "many",
      Object.fromEntries(Array.from({ length: LIMITS.fileCount }, (_, i) => [`f${i}.md`, "x"])),
    );
    const crowded = await cliAsync(["skills", "publish", many, "--dry-run"], as());
    expect(crowded.code).toBe(1);
    expect(crowded.stderr).toContain(`more than ${LIMITS.fileCount} files (501) [too_many_files]`);
  });

  it("reports a YAML alias bomb as frontmatter_invalid, not the library's message", async () => {
    const lines = ["name: bomb", 'description: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, key] of ["b", "c", "d", "e", "f", "g", "h", "i"].entries()) {
      lines.push(`${key}: &${key} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(",")}]`);
    }
    const bomb = folder("bomb", {}, `---\n${lines.join("\n")}\nmetadata:\n  version: "1.0.0"\n---\n`);
    const run = await cliAsync(["skills", "publish", bomb, "--dry-run"], as());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("too many YAML aliases");
    expect(run.stderr).toContain("[frontmatter_invalid]");
    expect(run.stderr).not.toContain("Excessive alias count");
  });

  it("dist-tag sends the tag as typed and shows it so when refused", async () => {
    for (const tag of ["^1", "a#b"]) {
      const run = await cliAsync(["skills", "dist-tag", "add", "alice/weird@1.0.0", tag], as());
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`"${tag}" is not a valid dist-tag`);
    }
  });
});
