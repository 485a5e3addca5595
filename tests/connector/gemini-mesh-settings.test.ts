/**
 * The mesh server in a caller's workspace settings for Gemini (gemini-mesh-settings.ts), on real folders made by
 * prepareWorkspace: the project's `.gemini` is never written, its entries stay linked, turning the tools off
 * puts the plain link back, and a settings file we cannot merge is refused rather than dropped.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { syncGeminiMeshSettings } from "../../connector/src/agents/gemini-mesh-settings.ts";
import { geminiMeshEntry } from "../../connector/src/mesh/runtime-configs.ts";
import { prepareWorkspace } from "../../connector/src/workspace/prepare.ts";
import { randomClientId, removeTempDirs, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);

const entry = geminiMeshEntry({ command: "/bin/node", args: ["cli.mjs", "mcp", "--as", "ag_1"], env: {} });
const settingsOf = (dir: string) => JSON.parse(readFileSync(join(dir, ".gemini", "settings.json"), "utf8"));

async function projectWithGemini(settings: string): Promise<string> {
  const project = await tempDir("gemini-project");
  await mkdir(join(project, ".gemini", "commands"), { recursive: true });
  await writeFile(join(project, ".gemini", "settings.json"), settings);
  return project;
}

describe("gemini mesh settings", () => {
  it("replaces the link by a folder of links plus merged settings, and puts the link back when off", async () => {
    const projectSettings = JSON.stringify({
      ui: { hideBanner: true },
      mcpServers: { own: { command: "x" } },
    });
    const project = await projectWithGemini(projectSettings);
    const cwd = await prepareWorkspace(project, randomClientId());
    const link = readlinkSync(join(cwd, ".gemini"));
    const projectGemini = join(project, ".gemini");

    await syncGeminiMeshSettings(cwd, projectGemini, entry);
    expect(lstatSync(join(cwd, ".gemini")).isDirectory()).toBe(true);
    expect(settingsOf(cwd)).toEqual({
      ui: { hideBanner: true },
      mcpServers: { own: { command: "x" }, mesh: entry },
    });
    expect(readlinkSync(join(cwd, ".gemini", "commands"))).toBe(join("..", link, "commands"));
    expect(readFileSync(join(projectGemini, "settings.json"), "utf8")).toBe(projectSettings);

    // A new entry in the project's folder is linked on the next run; the workspace survives a re-prepare.
    await mkdir(join(projectGemini, "policies"));
    await prepareWorkspace(project, cwd.split("/").pop()!);
    await syncGeminiMeshSettings(cwd, projectGemini, entry);
    expect(readdirSync(join(cwd, ".gemini")).sort()).toEqual(
      [".agent-mesh-managed", "commands", "policies", "settings.json"].sort(),
    );

    await syncGeminiMeshSettings(cwd, projectGemini, undefined);
    expect(lstatSync(join(cwd, ".gemini")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(cwd, ".gemini"))).toBe(link); // what prepareWorkspace makes, so it is kept
  });

  it("without a project folder creates one of its own and removes it entirely when off", async () => {
    const project = await tempDir("gemini-bare");
    const cwd = await prepareWorkspace(project, randomClientId());
    await syncGeminiMeshSettings(cwd, join(project, ".gemini"), entry);
    expect(settingsOf(cwd)).toEqual({ mcpServers: { mesh: entry } });
    await syncGeminiMeshSettings(cwd, join(project, ".gemini"), undefined);
    expect(readdirSync(cwd)).not.toContain(".gemini");
  });

  it("adds only the mesh entry to a .gemini folder the caller's agent made itself", async () => {
    const project = await tempDir("gemini-own");
    const cwd = await prepareWorkspace(project, randomClientId());
    await mkdir(join(cwd, ".gemini"));
    await writeFile(join(cwd, ".gemini", "settings.json"), JSON.stringify({ model: { name: "m" } }));
    await syncGeminiMeshSettings(cwd, join(project, ".gemini"), entry);
    expect(settingsOf(cwd)).toEqual({ model: { name: "m" }, mcpServers: { mesh: entry } });
    expect(readdirSync(join(cwd, ".gemini"))).toEqual(["settings.json"]);
  });

  it("refuses project settings that are not plain JSON instead of dropping them", async () => {
    const project = await projectWithGemini('{ // comments are allowed by Gemini\n "ui": {} }');
    const cwd = await prepareWorkspace(project, randomClientId());
    await expect(syncGeminiMeshSettings(cwd, join(project, ".gemini"), entry)).rejects.toThrow(
      /not plain JSON/,
    );
    expect(lstatSync(join(cwd, ".gemini")).isSymbolicLink()).toBe(true); // left as it was
  });
});
