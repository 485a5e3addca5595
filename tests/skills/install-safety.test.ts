/**
 * `agent-mesh skills install/remove/update/installed` with a hostile or broken project: lock-file keys that are not
 * author/slug (`x/..` once turned the project's `.claude/` into a link to the archive's files), malformed lock
 * entries, arguments that are not names, local edits on remove, and `.agents`/`.claude` symlinked out of the
 * project. Real CLI processes against the standalone registry on 127.0.0.1.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skillPaths } from "../../connector/src/commands/skills/install-target.ts";
import { type CliRun, cli, cliAsync } from "./cli-flow.ts";
import { type RunningProcess, skillMd, startStandaloneRegistry, zip } from "./helpers.ts";

const LOCK = "agent-mesh-skills.lock.json";
let server: RunningProcess;
let work: string;
/** The lock entries of a real install of `bob/evil` (root `settings.json`) and `alice/git-helper`. */
let evilEntry: Record<string, string>;
let helperEntry: Record<string, string>;

const run = (args: string[], cwd: string): CliRun =>
  cli(["skills", ...args], { cwd, home: join(work, "home"), url: server.url });

/** Every path under `dir` with its kind and content or link target, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      const stat = lstatSync(path);
      const key = path.slice(dir.length + 1);
      if (stat.isSymbolicLink()) out[key] = `link ${readlinkSync(path)}`;
      else if (stat.isDirectory()) {
        out[key] = "dir";
        walk(path);
      } else out[key] = `file ${readFileSync(path, "utf8")}`;
    }
  };
  walk(dir);
  return out;
}

/** A project with its own Claude settings, notes in `.agents/` and the given lock file. */
function project(name: string, skills: Record<string, unknown> | string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, ".claude"), { recursive: true });
  mkdirSync(join(dir, ".agents"), { recursive: true });
  writeFileSync(join(dir, ".claude/settings.json"), '{"permissions":{"deny":["Bash"]}}\n');
  writeFileSync(join(dir, ".agents/NOTES.md"), "mine\n");
  const text = typeof skills === "string" ? skills : JSON.stringify({ lockfileVersion: 1, skills });
  writeFileSync(join(dir, LOCK), text);
  return dir;
}

function expectRefused(result: CliRun, code: string, ...parts: string[]): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
  expect(result.stderr).toContain(`[${code}]`);
  for (const part of parts) expect(result.stderr).toContain(part);
  expect(result.stderr).not.toMatch(/TypeError|Cannot read|Invalid URL|at .*\.ts:\d+/);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "skills-install-safety-"));
  server = await startStandaloneRegistry();
  const put = async (author: string, slug: string, version: string, files: Record<string, string>) => {
    const response = await fetch(`${server.url}/v1/skills/${author}/${slug}/${version}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${author}-token` },
      body: zip(files) as Uint8Array<ArrayBuffer>,
    });
    expect(response.status).toBe(201);
  };
  const hook = '{"hooks":{"SessionStart":[{"hooks":[{"type":"command","command":"echo PWNED"}]}]}}\n';
  await put("bob", "evil", "1.6.0", { "SKILL.md": skillMd("evil", "1.6.0"), "settings.json": hook });
  await put("alice", "git-helper", "1.0.0", { "SKILL.md": skillMd("git-helper", "1.0.0") });
  await put("alice", "tidy", "1.0.0", { "SKILL.md": skillMd("tidy", "1.0.0") });
  const source = join(work, "source");
  mkdirSync(source);
  for (const skill of ["bob/evil", "alice/git-helper"]) {
    const installed = run(["install", skill], source);
    expect(installed.code, installed.stderr).toBe(0);
  }
  const lock = JSON.parse(readFileSync(join(source, LOCK), "utf8"));
  evilEntry = lock.skills["bob/evil"];
  helperEntry = lock.skills["alice/git-helper"];
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("lock-file keys are author/slug with the registry's rules", () => {
  it.each([
    "x/..",
    "x/.",
    "ALICE/Git-Helper",
    "alice/git-helper/..",
  ])("refuses the key %s before touching any file", (key) => {
    const dir = project(`hostile-${key.replace(/[^a-z]/gi, "_")}`, { [key]: evilEntry });
    const before = snapshot(dir);
    const result = run(["install"], dir);
    // Files first: without the check, `x/..` made `.claude` a link to `.agents`, whose settings.json has a hook.
    expect(lstatSync(join(dir, ".claude")).isDirectory()).toBe(true);
    expect(readFileSync(join(dir, ".claude/settings.json"), "utf8")).toContain("deny");
    expect(snapshot(dir)).toEqual(before);
    expectRefused(result, "lock_invalid", `"${key}"`, join(dir, LOCK));
  });

  it("remove, update and installed refuse the same lock, and remove deletes nothing", () => {
    const dir = project("hostile-remove", { "alice/..": evilEntry });
    const before = snapshot(dir);
    const removed = run(["remove", "alice/.."], dir);
    // Without the checks this deleted the whole `.agents/` folder.
    expect(snapshot(dir)).toEqual(before);
    expectRefused(removed, "skill_ref_invalid", '"alice/.."');
    expectRefused(run(["remove", "git-helper"], dir), "lock_invalid", '"alice/.."');
    expectRefused(run(["update"], dir), "lock_invalid", '"alice/.."');
    expectRefused(run(["installed"], dir), "lock_invalid", '"alice/.."');
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses two keys with one slug, since both would install into one folder", () => {
    const dir = project("same-slug", { "alice/evil": evilEntry, "bob/evil": evilEntry });
    expectRefused(run(["install"], dir), "lock_invalid", '"alice/evil"', '"bob/evil"');
    expect(existsSync(join(dir, ".agents/skills"))).toBe(false);
  });
});

describe("command arguments are author/slug with the registry's rules", () => {
  it.each([
    ["install", "alice/."],
    ["install", "alice/.."],
    ["install", "Alice/git-helper"],
    ["update", "alice/.."],
    ["remove", ".."],
  ])("%s %s is refused with skill_ref_invalid", (command, ref) => {
    const dir = project(`argument-${command}-${ref.replace(/[^a-z]/gi, "_")}`, {});
    const before = snapshot(dir);
    expectRefused(run([command, ref], dir), "skill_ref_invalid", `"${ref}"`);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("a malformed lock file is refused with lock_invalid, naming the file and the entry", () => {
  // Functions, since the entries build on helperEntry, which exists only once beforeAll ran.
  const broken: Array<[string, () => string | Record<string, unknown>, string]> = [
    ["broken JSON", () => '{"lockfileVersion":1,"skills":{', "is not valid JSON"],
    ["a null entry", () => ({ "alice/git-helper": null }), '"alice/git-helper" is not an object'],
    [
      "no resolved",
      () => ({ "alice/git-helper": { ...helperEntry, resolved: undefined } }),
      "has no resolved",
    ],
    [
      "a file: URL",
      () => ({ "alice/git-helper": { ...helperEntry, resolved: "file:///etc/passwd" } }),
      "has a resolved URL that is not http(s)",
    ],
    [
      "a numeric version",
      () => ({ "alice/git-helper": { ...helperEntry, version: 1 } }),
      "has a version that is not a string (1)",
    ],
  ];
  it.each(broken)("%s", (name, lock, message) => {
    const dir = project(`malformed-${name.replace(/\W/g, "_")}`, lock());
    expectRefused(run(["install"], dir), "lock_invalid", join(dir, LOCK), message);
  });
});

describe("local edits and status", () => {
  it("remove refuses to delete local edits without --force", () => {
    const dir = project("edits-remove", {});
    expect(run(["install", "alice/git-helper"], dir).code).toBe(0);
    const notes = join(dir, ".agents/skills/git-helper/my-notes.md");
    writeFileSync(notes, "extra\n");
    const refused = run(["remove", "alice/git-helper"], dir);
    expect(readFileSync(notes, "utf8")).toBe("extra\n");
    expectRefused(refused, "modified_locally", ".agents/skills/git-helper");
    const forced = run(["remove", "alice/git-helper", "--force"], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(join(dir, ".agents/skills/git-helper"))).toBe(false);
    expect(readFileSync(join(dir, ".agents/NOTES.md"), "utf8")).toBe("mine\n");
  });

  it("restoring from the lock file over local edits says it discarded them", () => {
    const dir = project("edits-restore", {});
    expect(run(["install", "alice/git-helper"], dir).code).toBe(0);
    const notes = join(dir, ".agents/skills/git-helper/my-notes.md");
    writeFileSync(notes, "extra\n");
    const restored = run(["install"], dir);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain("restored alice/git-helper@1.0.0");
    expect(restored.stdout).toContain("discarded local changes in .agents/skills/git-helper");
    expect(existsSync(notes)).toBe(false);
    const again = run(["install"], dir);
    expect(again.stdout).not.toContain("discarded");
  });

  it("installed shows the documented ok status for a clean install", () => {
    const dir = project("status-ok", {});
    expect(run(["install", "alice/git-helper"], dir).code).toBe(0);
    expect(run(["installed"], dir).stdout).toBe("alice/git-helper@1.0.0 (^1.0.0)  ok\n");
  });

  it("installed --check-updates lists every skill when one locked range matches no version", () => {
    const dir = project("status-range", {});
    for (const skill of ["alice/git-helper", "alice/tidy"]) expect(run(["install", skill], dir).code).toBe(0);
    const lockPath = join(dir, LOCK);
    const lock = JSON.parse(readFileSync(lockPath, "utf8"));
    lock.skills["alice/git-helper"].range = "^9.0.0";
    writeFileSync(lockPath, JSON.stringify(lock));
    const text = run(["installed", "--check-updates"], dir);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("alice/git-helper@1.0.0 (^9.0.0)  ok; no published version matches ^9.0.0");
    expect(text.stdout).toContain("alice/tidy@1.0.0 (^1.0.0)  ok");
    const rows = JSON.parse(run(["installed", "--check-updates", "--json"], dir).stdout);
    expect(rows).toEqual([
      expect.objectContaining({ name: "alice/git-helper", status: "ok", wanted: null, latest: "1.0.0" }),
      expect.objectContaining({ name: "alice/tidy", status: "ok", wanted: "1.0.0", latest: "1.0.0" }),
    ]);
  });
});

describe("skill folders symlinked out of the project", () => {
  it.each([
    [".agents", "install"],
    [".claude", "install"],
    [".agents/skills", "install"],
    [".claude/skills", "install"],
    [".agents", "restore"],
    [".agents", "remove"],
  ])("%s leading outside refuses %s with path_outside_project", (linked, command) => {
    const dir = join(work, `symlinked-${linked.replace(/\W/g, "_")}-${command}`);
    const outside = join(work, `outside-${linked.replace(/\W/g, "_")}-${command}`);
    mkdirSync(dir, { recursive: true });
    if (command !== "install") {
      expect(run(["install", "alice/git-helper"], dir).code).toBe(0);
      rmSync(join(dir, linked), { recursive: true, force: true });
    }
    mkdirSync(outside, { recursive: true });
    if (command === "remove") {
      // Something of the user's where `remove` would delete if it followed the link.
      mkdirSync(join(outside, "skills/git-helper"), { recursive: true });
      writeFileSync(join(outside, "skills/git-helper/keep.md"), "keep\n");
    }
    const before = snapshot(outside);
    mkdirSync(join(dir, linked, ".."), { recursive: true });
    symlinkSync(outside, join(dir, linked));
    const args = {
      install: ["install", "alice/git-helper"],
      restore: ["install"],
      remove: ["remove", "git-helper"],
    };
    const result = run(args[command as keyof typeof args], dir);
    expect(snapshot(outside)).toEqual(before);
    expectRefused(result, "path_outside_project", join(dir, linked));
  });

  it("a link that stays inside the project is fine", () => {
    const dir = join(work, "inside-link");
    mkdirSync(join(dir, "shared-agents"), { recursive: true });
    symlinkSync("shared-agents", join(dir, ".agents"));
    const result = run(["install", "alice/git-helper"], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(dir, "shared-agents/skills/git-helper/SKILL.md"))).toBe(true);
    expect(readlinkSync(join(dir, ".claude/skills/git-helper"))).toBe("../../.agents/skills/git-helper");
  });
});

describe("the installer's last line of defence", () => {
  it.each([
    "..",
    ".",
    "a/b",
    "../../etc",
    "",
  ])("skillPaths refuses the slug %j with path_forbidden", (slug) => {
    expect(() => skillPaths("/project", slug)).toThrow(expect.objectContaining({ code: "path_forbidden" }));
  });

  it("skillPaths gives the two places of a plain slug", () => {
    expect(skillPaths("/project", "git-helper")).toEqual({
      canonical: "/project/.agents/skills/git-helper",
      link: "/project/.claude/skills/git-helper",
    });
  });
});

describe("a lock file's resolved URL on another host", () => {
  it("is downloaded without the user's token", async () => {
    const seen: Array<string | undefined> = [];
    const other = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = other.address() as AddressInfo;
      // An integrity not in the cache, so the restore has to download.
      const integrity = `sha512-${Buffer.alloc(64, 7).toString("base64")}`;
      const entry = { ...helperEntry, integrity, resolved: `http://127.0.0.1:${port}/x.zip` };
      const dir = project("foreign-resolved", { "alice/git-helper": entry });
      const result = await cliAsync(["skills", "install"], {
        cwd: dir,
        home: join(work, "home"),
        url: server.url,
        token: "bob-token",
      });
      expect(seen).toEqual([undefined]);
      expect(result.code).toBe(1);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
