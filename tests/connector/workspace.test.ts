import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AgentRunError } from "../../connector/src/agents/types.ts";
import { prepareWorkspace } from "../../connector/src/workspace/prepare.ts";
import { diffSnapshots, readChangedFiles, snapshot } from "../../connector/src/workspace/snapshot.ts";
import { makeProject, randomClientId, removeTempDirs, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);

describe("prepareWorkspace", () => {
  it("links agent files and top-level entries, never secrets, VCS data or dependencies", async () => {
    const project = await makeProject();
    await mkdir(join(project, ".claude"));
    await writeFile(join(project, "server.key"), "k");
    const id = randomClientId();
    const dir = await prepareWorkspace(project, id);
    expect(dir).toBe(join(project, ".agent-mesh", "clients", id));
    expect((await readdir(dir)).sort()).toEqual([".claude", "AGENTS.md", "CLAUDE.md", "src"]);
    expect(await readlink(join(dir, "CLAUDE.md"))).toBe("../../../CLAUDE.md");
    expect((await lstat(join(dir, "src"))).isSymbolicLink()).toBe(true);
  });

  it("is idempotent and keeps the caller's own files", async () => {
    const project = await makeProject();
    const id = randomClientId();
    const dir = await prepareWorkspace(project, id);
    await writeFile(join(dir, "notes.txt"), "mine");
    await writeFile(join(project, "README.md"), "new entry");
    expect(await prepareWorkspace(project, id)).toBe(dir);
    expect(await prepareWorkspace(project, id)).toBe(dir);
    expect((await readdir(dir)).sort()).toEqual(["AGENTS.md", "CLAUDE.md", "README.md", "notes.txt", "src"]);
    expect((await lstat(join(dir, "notes.txt"))).isFile()).toBe(true);
  });

  it("refuses hostile client ids before touching the disk", async () => {
    const project = await makeProject();
    for (const id of [
      "../x",
      "ABC",
      "a/b",
      "ABCDEF0123456789",
      "0123456789abcde",
      `${"a".repeat(65)}`,
      "",
      "..",
      "0123456789abcdef/../..",
    ]) {
      const error = await prepareWorkspace(project, id).catch((e: unknown) => e);
      expect(error, id).toBeInstanceOf(AgentRunError);
      expect((error as AgentRunError).code).toBe("invalid_client_id");
    }
    expect(existsSync(join(project, ".agent-mesh"))).toBe(false);
  });

  it("gives each caller a separate directory that does not contain the other's files", async () => {
    const project = await makeProject();
    const a = await prepareWorkspace(project, randomClientId());
    const b = await prepareWorkspace(project, randomClientId());
    await writeFile(join(a, "secret-of-a.txt"), "a");
    expect(await readdir(b)).not.toContain("secret-of-a.txt");
    // the project's state dir (holding every workspace) is never linked into a workspace
    expect(await readdir(b)).not.toContain(".agent-mesh");
  });
});

describe("snapshot and diff", () => {
  it("reports created and changed real files, not symlinks or files reached through them", async () => {
    const project = await makeProject();
    const dir = await prepareWorkspace(project, randomClientId());
    await writeFile(join(dir, "old.txt"), "same");
    await writeFile(join(dir, "edit.txt"), "v1");
    const outside = await tempDir("outside");
    await writeFile(join(outside, "private.txt"), "not yours");
    const before = await snapshot(dir);

    await writeFile(join(dir, "new.txt"), "fresh");
    await writeFile(join(dir, "edit.txt"), "v2 longer");
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "out", "deep.txt"), "deep");
    await writeFile(join(project, "src", "shared.ts"), "written through the src link");
    await symlink(outside, join(dir, "escape"));
    await symlink(join(outside, "private.txt"), join(dir, "leak.txt"));

    const changed = diffSnapshots(before, await snapshot(dir));
    expect(changed).toEqual(["edit.txt", "new.txt", "out/deep.txt"]);
    const { files } = await readChangedFiles(dir, [...changed, "leak.txt", "escape/private.txt"]);
    expect(files.map((f) => [f.path, f.size, Buffer.from(f.bytes).toString()])).toEqual([
      ["edit.txt", 9, "v2 longer"],
      ["new.txt", 5, "fresh"],
      ["out/deep.txt", 4, "deep"],
    ]);
  });

  it("enforces size caps and says which files were skipped", async () => {
    const dir = await tempDir("caps");
    const before = await snapshot(dir);
    await writeFile(join(dir, "big.bin"), Buffer.alloc(2_000));
    await writeFile(join(dir, "a.txt"), "1234");
    await writeFile(join(dir, "b.txt"), "5678");
    await writeFile(join(dir, "c.txt"), "9");
    const changed = diffSnapshots(before, await snapshot(dir));
    const { files, skipped } = await readChangedFiles(dir, changed, {
      maxFileBytes: 1_000,
      maxTotalBytes: 6,
      maxFiles: 2,
    });
    expect(files.map((f) => f.path)).toEqual(["a.txt", "c.txt"]);
    expect(skipped).toEqual([
      { path: "b.txt", size: 4, reason: "total_limit" },
      { path: "big.bin", size: 2_000, reason: "too_large" },
    ]);
  });
});
