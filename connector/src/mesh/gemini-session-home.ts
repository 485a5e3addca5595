/**
 * `agent-mesh gemini --as <agent>`: Gemini reads MCP servers only from settings files, and has no flag for one.
 * Its system settings (`GEMINI_CLI_SYSTEM_SETTINGS_PATH`) are honoured only when root owns the file and every
 * folder above it, and a project's `.gemini/settings.json` is the person's own file. So the session gets a home
 * of its own instead: `GEMINI_CLI_HOME` (Gemini's documented way to move its home) points at a temporary folder
 * whose `.gemini` links every entry of the person's `~/.gemini` (login, sessions, history, commands, extensions
 * stay theirs and are written in place) except `settings.json`, which is their settings plus the mesh server.
 * Nothing the person owns is changed, and no other Gemini session sees the server.
 *
 * When the session ends, what Gemini wrote into the temporary home goes back: files it created (or rewrote by
 * replacing a link) at the top of `.gemini`, e.g. `trustedFolders.json` after a trust prompt, move to the real
 * folder, and settings the person changed during the session (`/settings`, `/model`) are written back without the
 * mesh entry. Verified with gemini 0.61.0, also in its terminal UI (`/mcp list` shows the server ready).
 * @module
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { CliError } from "../cli/errors.ts";
import type { GeminiMcpEntry } from "./runtime-configs.ts";

const SETTINGS = "settings.json";
/** Other folders of the home Gemini reads through GEMINI_CLI_HOME (user skills). */
const HOME_ENTRIES = [".agents"];

type Settings = Record<string, unknown> & { mcpServers?: Record<string, unknown> };

export interface GeminiSessionHome {
  /** The value for GEMINI_CLI_HOME. */
  home: string;
  /** Carries what Gemini wrote back to the person's home, then removes the temporary one. */
  close(): Promise<void>;
}

export async function geminiSessionHome(
  entry: GeminiMcpEntry,
  realHome = process.env.GEMINI_CLI_HOME || homedir(),
): Promise<GeminiSessionHome> {
  const real = join(realHome, ".gemini");
  const original = await readSettings(join(real, SETTINGS));
  await mkdir(real, { recursive: true, mode: 0o700 });
  const home = await mkdtemp(join(tmpdir(), "agent-mesh-gemini-"));
  const overlay = join(home, ".gemini");
  await mkdir(overlay, { mode: 0o700 });
  for (const name of await readdir(real)) {
    if (name !== SETTINGS) await symlink(join(real, name), join(overlay, name));
  }
  for (const name of HOME_ENTRIES) {
    if (await lstat(join(realHome, name)).catch(() => undefined))
      await symlink(join(realHome, name), join(home, name));
  }
  const written = `${JSON.stringify({ ...original, mcpServers: { ...original.mcpServers, mesh: entry } }, null, 2)}\n`;
  await writeFile(join(overlay, SETTINGS), written, { mode: 0o600 });
  return {
    home,
    async close() {
      await carryBack(overlay, real, original, written);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * Moves what Gemini wrote into the temporary `.gemini` to the real one; settings changes go back too. Every entry
 * that existed was linked at the start, so a plain file here is newer than the real one: Gemini created it, or
 * replaced the link with it (a write through rename); it wins. A folder only moves where there is none.
 */
async function carryBack(overlay: string, real: string, original: Settings, written: string): Promise<void> {
  for (const name of await readdir(overlay)) {
    const from = join(overlay, name);
    const stat = await lstat(from);
    if (name === SETTINGS || stat.isSymbolicLink()) continue;
    const there = await lstat(join(real, name)).catch(() => undefined);
    if (!there || (stat.isFile() && !there.isDirectory())) await rename(from, join(real, name));
  }
  const now = await readFile(join(overlay, SETTINGS), "utf8").catch(() => written);
  if (now === written) return;
  const changed = await readSettings(join(overlay, SETTINGS)).catch(() => undefined);
  if (!changed) return; // not ours to guess at: the person's own file stays as it was
  const servers: Record<string, unknown> = { ...changed.mcpServers };
  delete servers.mesh;
  if (original.mcpServers?.mesh) servers.mesh = original.mcpServers.mesh;
  const back = { ...changed, mcpServers: servers };
  if (!Object.keys(servers).length) delete (back as Settings).mcpServers;
  await writeFile(join(real, SETTINGS), `${JSON.stringify(back, null, 2)}\n`, { mode: 0o600 });
}

async function readSettings(path: string): Promise<Settings> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined || !text.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Settings;
  } catch {
    // fall through
  }
  throw new CliError(
    "gemini_settings_unreadable",
    `${path} is not a plain JSON object (comments?), so the mesh server cannot be added for this session; ` +
      "add it yourself with `gemini mcp add -s user mesh agent-mesh mcp --as <agent> --interactive`, then run gemini.",
  );
}
