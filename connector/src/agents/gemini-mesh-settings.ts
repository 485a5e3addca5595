/**
 * Gives a served Gemini the mesh tools. Gemini takes MCP servers only from settings files, so the entry goes
 * into the caller's workspace settings (`<workspace>/.gemini/settings.json`, read by Gemini in a trusted folder,
 * and a folder must be trusted for headless Gemini to run at all). Nothing outside the workspace is touched:
 * not the owner's `~/.gemini`, not the project.
 *
 * A workspace normally links `.gemini` to the project's own folder (workspace/prepare.ts). Writing through
 * that link would change the project for every caller, so the link is replaced by a folder of our own: one link
 * per entry of the project's `.gemini` (commands, skills, policies… stay shared and current) and a
 * `settings.json` that is the project's settings plus the mesh entry. A marker file names the project folder,
 * so each run refreshes the links and the settings, and turning the tools off puts the plain link back.
 * `.gemini` is runtime state for the workspace snapshot, so none of this is ever attached to a reply.
 * @module
 */
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  rmdir,
  symlink,
  writeFile,
} from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { GeminiMcpEntry } from "../mesh/runtime-configs.ts";

const MARKER = ".agent-mesh-managed";
const SETTINGS = "settings.json";

type Settings = Record<string, unknown> & { mcpServers?: Record<string, unknown> };

/**
 * Makes `<cwd>/.gemini/settings.json` hold `mcpServers.mesh = entry` (or, with no entry, undoes what an earlier
 * run did). `projectGemini`: the project's `.gemini` folder whose settings are the base.
 */
export async function syncGeminiMeshSettings(
  cwd: string,
  projectGemini: string | undefined,
  entry: GeminiMcpEntry | undefined,
): Promise<void> {
  const dir = join(cwd, ".gemini");
  const stat = await lstat(dir).catch(() => undefined);
  const isDir = stat?.isDirectory() ?? false;
  // The marker holds the project's `.gemini` this folder stands for ("" when the project had none).
  const marker = isDir ? await readFile(join(dir, MARKER), "utf8").catch(() => undefined) : undefined;
  if (!entry) {
    if (marker !== undefined) await unmanage(dir, marker);
    return;
  }
  if (isDir && marker === undefined) {
    // The caller's agent made this folder itself: it is theirs; only the mesh entry is ours.
    await writeSettings(dir, await readSettings(join(dir, SETTINGS)), entry);
    return;
  }
  const link = stat?.isSymbolicLink() ? resolve(cwd, await readlink(dir)) : undefined;
  const base = link ?? (marker || (await existingDir(projectGemini)));
  // Read first: settings we cannot merge leave the workspace as it was.
  const settings = base ? await readSettings(join(base, SETTINGS)) : {};
  if (link) await rm(dir, { force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, MARKER), base ?? "");
  await linkEntries(dir, base);
  await writeSettings(dir, settings, entry);
}

async function existingDir(path: string | undefined): Promise<string | undefined> {
  if (!path) return undefined;
  const stat = await lstat(path).catch(() => undefined);
  return stat && (stat.isDirectory() || stat.isSymbolicLink()) ? resolve(path) : undefined;
}

/** One relative link per entry of the project's `.gemini` but settings.json; links to vanished entries go. */
async function linkEntries(dir: string, base: string | undefined): Promise<void> {
  const wanted = new Map<string, string>();
  const names = base ? await readdir(base).catch(() => [] as string[]) : [];
  for (const name of names) if (name !== SETTINGS) wanted.set(name, relative(dir, join(base!, name)));
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if (!(await lstat(path)).isSymbolicLink()) continue;
    if (wanted.get(name) === (await readlink(path))) wanted.delete(name);
    else await rm(path, { force: true });
  }
  for (const [name, target] of wanted) {
    await symlink(target, join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error; // another request of the same caller linked it first
    });
  }
}

/** Settings as a JSON object; a missing file is `{}`. A file that is not plain JSON is refused, not dropped. */
async function readSettings(path: string): Promise<Settings> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined || !text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not plain JSON (comments?), so the mesh server cannot be added to it`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error(`${path} is not a JSON object, so the mesh server cannot be added to it`);
  return parsed as Settings;
}

/** Writes settings + the mesh entry atomically (a concurrent Gemini start never reads half a file). */
async function writeSettings(dir: string, settings: Settings, entry: GeminiMcpEntry): Promise<void> {
  const merged = { ...settings, mcpServers: { ...settings.mcpServers, mesh: entry } };
  const temp = join(dir, `.${SETTINGS}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  await writeFile(temp, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, join(dir, SETTINGS));
}

/** Removes our folder (links, settings, marker) and puts the plain link to the project's `.gemini` back. */
async function unmanage(dir: string, base: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if (name === SETTINGS || name === MARKER || (await lstat(path)).isSymbolicLink()) await rm(path);
  }
  // Anything else in it was written by the agent: keep the folder then (it shadows the project's, as before).
  const empty = await rmdir(dir).then(
    () => true,
    () => false,
  );
  if (empty && (await existingDir(base)))
    await symlink(relative(resolve(dir, ".."), base), dir).catch(() => {});
}
