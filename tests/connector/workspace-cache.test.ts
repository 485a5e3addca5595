/**
 * Workspaces prepared once and refreshed on change: whatever changes at the top level of the project or of the
 * caller's workspace shows up on the next request, exactly as when every request prepared afresh; and the
 * runner skips snapshots only for adapters that say they write no files.
 */
import { lstat, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AgentAdapter } from "../../connector/src/agents/types.ts";
import { createAgentRuntime, runAgentRequest } from "../../connector/src/runtime/run-request.ts";
import { WorkspaceCache } from "../../connector/src/workspace/workspace-cache.ts";
import { makeProject, randomClientId, recorder, removeTempDirs } from "./helpers.ts";

afterAll(removeTempDirs);

/** Longer than the cache's settle window, so the second call is a real cache hit. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

/** The project watcher reports changes a moment after they happen: ask until the workspace shows it. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("the workspace never caught up with the project");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("WorkspaceCache", () => {
  it("links entries added to the project after the workspace was cached, and drops removed ones", async () => {
    const project = await makeProject();
    const cache = new WorkspaceCache(project);
    const id = randomClientId();
    const dir = await cache.workspace(id);
    await settle();
    expect(await cache.workspace(id)).toBe(dir); // cached now
    await settle();
    await writeFile(join(project, "NEW.md"), "new");
    await mkdir(join(project, "lib"));
    await eventually(async () => (await readdir(await cache.workspace(id))).length === 5);
    expect((await readdir(dir)).sort()).toEqual(["AGENTS.md", "CLAUDE.md", "NEW.md", "lib", "src"].sort());
    await settle();
    await cache.workspace(id);
    await rm(join(project, "NEW.md"));
    await eventually(async () => !(await readdir(await cache.workspace(id))).includes("NEW.md"));
    cache.close();
  });

  it("restores a link the caller's agent deleted, and keeps the caller's own files", async () => {
    const project = await makeProject();
    const cache = new WorkspaceCache(project);
    const id = randomClientId();
    const dir = await cache.workspace(id);
    await settle();
    await cache.workspace(id);
    await settle();
    await rm(join(dir, "CLAUDE.md"));
    await writeFile(join(dir, "notes.txt"), "mine");
    await cache.workspace(id);
    expect((await lstat(join(dir, "CLAUDE.md"))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(dir, "notes.txt"))).isFile()).toBe(true);
  });

  it("recreates a workspace removed behind its back, and keeps callers apart", async () => {
    const project = await makeProject();
    const cache = new WorkspaceCache(project);
    const [a, b] = [randomClientId(), randomClientId()];
    const dirA = await cache.workspace(a);
    await settle();
    await cache.workspace(a);
    await rm(dirA, { recursive: true });
    expect((await readdir(await cache.workspace(a))).sort()).toEqual(["AGENTS.md", "CLAUDE.md", "src"]);
    const dirB = await cache.workspace(b);
    expect(dirB).not.toBe(dirA);
    await writeFile(join(dirA, "secret.txt"), "a's");
    expect(await readdir(dirB)).not.toContain("secret.txt");
  });

  it("refuses a hostile client id before touching the disk", async () => {
    const cache = new WorkspaceCache(await makeProject());
    await expect(cache.workspace("../../etc")).rejects.toMatchObject({ code: "invalid_client_id" });
  });
});

describe("snapshots", () => {
  /** An adapter that writes a file into its cwd, declaring (or not) that it writes files. */
  const writer = (writesFiles?: boolean): AgentAdapter => ({
    type: "writer",
    writesFiles,
    check: async () => {},
    async run(request) {
      await writeFile(join(request.cwd, "out.txt"), "written");
      return { result: "ok" };
    },
  });

  it("returns what an adapter wrote unless it declared that it writes no files", async () => {
    const project = await makeProject();
    for (const [writesFiles, expected] of [
      [undefined, ["out.txt"]],
      [true, ["out.txt"]],
      [false, []],
    ] as const) {
      const runtime = createAgentRuntime({ agent: "w", adapter: writer(writesFiles), projectDir: project });
      const { rec, callbacks } = recorder();
      await runAgentRequest(
        runtime,
        { id: "r", session_id: "s", client_id: randomClientId(), message: "m" },
        callbacks,
      );
      expect(rec.done?.attachments.map((file) => file.path)).toEqual(expected);
    }
  });
});
