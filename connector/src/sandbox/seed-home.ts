/**
 * A sandboxed caller's HOME starts with a copy of the owner's agent settings and sign-in files (only those, never
 * the whole state folder: sessions and histories stay per caller). The copy is refreshed when the owner's file
 * is newer. The agent can read these copies — a credential the agent needs is, inherently, readable by it.
 * @module
 */
import { copyFile, mkdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Files under the agent's HOME that carry settings or sign-in state. */
const HOME_FILES = [
  ".claude/settings.json",
  ".claude/.credentials.json",
  ".gemini/settings.json",
  ".gemini/oauth_creds.json",
  ".gemini/google_accounts.json",
];
/** Files under CODEX_HOME (default `~/.codex`). */
const CODEX_FILES = ["config.toml", "auth.json"];

/** Copies the owner's agent files (from the run's own HOME / CODEX_HOME) into the caller's HOME. */
export async function seedCallerHome(callerHome: string, env: NodeJS.ProcessEnv): Promise<void> {
  const ownerHome = env.HOME || homedir();
  const codexHome = env.CODEX_HOME || join(ownerHome, ".codex");
  const copies: [string, string][] = [
    ...HOME_FILES.map((file): [string, string] => [join(ownerHome, file), join(callerHome, file)]),
    ...CODEX_FILES.map((file): [string, string] => [join(codexHome, file), join(callerHome, ".codex", file)]),
  ];
  await Promise.all(copies.map(([from, to]) => copyIfNewer(from, to)));
  await mkdir(join(callerHome, ".codex"), { recursive: true, mode: 0o700 });
}

async function copyIfNewer(from: string, to: string): Promise<void> {
  const source = await stat(from).catch(() => undefined);
  if (!source?.isFile()) return;
  const target = await stat(to).catch(() => undefined);
  if (target && target.mtimeMs >= source.mtimeMs) return;
  await mkdir(dirname(to), { recursive: true, mode: 0o700 });
  await copyFile(from, to);
}

/** The environment of a sandboxed run: the caller's own HOME, TMPDIR and agent state folders. */
export function callerEnv(env: NodeJS.ProcessEnv, home: string, tmp: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, HOME: home, TMPDIR: tmp, CODEX_HOME: join(home, ".codex") };
  if (env.CLAUDE_CONFIG_DIR) out.CLAUDE_CONFIG_DIR = join(home, ".claude");
  // These would point back into the owner's home (unreadable inside) or at host sockets (blocked inside).
  for (const name of [
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_RUNTIME_DIR",
    "SSH_AUTH_SOCK",
    "GEMINI_CLI_HOME",
  ]) {
    delete out[name];
  }
  return out;
}
