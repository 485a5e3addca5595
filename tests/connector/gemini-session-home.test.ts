/**
 * The session home of `agent-mesh gemini --as` (gemini-session-home.ts) on real folders: the person's `.gemini`
 * entries are linked, settings get the mesh server only in the session copy, and at the end new files and
 * changed settings go back (without the mesh entry) while the temporary home disappears.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { geminiSessionHome } from "../../connector/src/mesh/gemini-session-home.ts";
import { geminiMeshEntry } from "../../connector/src/mesh/runtime-configs.ts";
import { removeTempDirs, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);

const entry = geminiMeshEntry({ command: "/bin/node", args: ["cli.mjs", "mcp", "--as", "dev"], env: {} });
const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("gemini session home", () => {
  it("adds the mesh server for the session only and carries back what gemini wrote", async () => {
    const real = await tempDir("gemini-real-home");
    await mkdir(join(real, ".gemini", "tmp"), { recursive: true });
    await mkdir(join(real, ".agents"));
    const own = { model: { name: "m1" }, mcpServers: { mesh: { command: "mine" }, other: { command: "o" } } };
    await writeFile(join(real, ".gemini", "settings.json"), JSON.stringify(own));
    await writeFile(join(real, ".gemini", "oauth_creds.json"), "{}");
    await writeFile(join(real, ".gemini", "state.json"), '{"n":1}');

    const session = await geminiSessionHome(entry, real);
    const overlay = join(session.home, ".gemini");
    expect(json(join(overlay, "settings.json")).mcpServers).toEqual({ mesh: entry, other: { command: "o" } });
    expect(readlinkSync(join(overlay, "oauth_creds.json"))).toBe(join(real, ".gemini", "oauth_creds.json"));
    expect(readlinkSync(join(overlay, "tmp"))).toBe(join(real, ".gemini", "tmp"));
    expect(readlinkSync(join(session.home, ".agents"))).toBe(join(real, ".agents"));
    expect(json(join(real, ".gemini", "settings.json"))).toEqual(own); // the person's file is untouched

    // What gemini does during a session: trust a folder (a new file), rewrite a file by replacing it (the link
    // goes), change the model (settings).
    await writeFile(join(overlay, "trustedFolders.json"), '{"/p":"TRUST_FOLDER"}');
    await writeFile(join(overlay, "state.json.tmp"), '{"n":2}');
    await rename(join(overlay, "state.json.tmp"), join(overlay, "state.json"));
    const changed = json(join(overlay, "settings.json"));
    await writeFile(join(overlay, "settings.json"), JSON.stringify({ ...changed, model: { name: "m2" } }));
    await session.close();

    expect(existsSync(session.home)).toBe(false);
    expect(readFileSync(join(real, ".gemini", "trustedFolders.json"), "utf8")).toBe('{"/p":"TRUST_FOLDER"}');
    expect(readFileSync(join(real, ".gemini", "state.json"), "utf8")).toBe('{"n":2}');
    // Their own "mesh" entry is theirs again; ours never reaches their file.
    expect(json(join(real, ".gemini", "settings.json"))).toEqual({ ...own, model: { name: "m2" } });
    expect(lstatSync(join(real, ".gemini", "tmp")).isDirectory()).toBe(true);
  });

  it("leaves unchanged settings alone and refuses settings it cannot merge", async () => {
    const real = await tempDir("gemini-real-home");
    const session = await geminiSessionHome(entry, real); // no ~/.gemini yet: made, like gemini would
    await session.close();
    expect(existsSync(join(real, ".gemini", "settings.json"))).toBe(false);

    await writeFile(join(real, ".gemini", "settings.json"), '{ // a comment\n "ui": {} }');
    await expect(geminiSessionHome(entry, real)).rejects.toMatchObject({
      code: "gemini_settings_unreadable",
    });
  });
});
