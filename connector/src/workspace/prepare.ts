/**
 * Per-caller workspaces: `<project>/.agent-mesh/clients/<clientId>/`, holding relative symlinks to the
 * project's agent files and top-level entries. The agent runs there, so each caller has its own cwd (and its own
 * runtime sessions, which Claude and Gemini key by cwd) while sharing the project's code and instructions.
 * Real files in the workspace are the caller's own outputs.
 * @module
 */
import { lstat, mkdir, readdir, readlink, rm, symlink } from "node:fs/promises";
import { join, relative } from "node:path";
import { assertClientId } from "./client-id.ts";

/** The connector's own state directory inside a project. */
export const STATE_DIR = ".agent-mesh";

/** Dot entries that carry agent instructions, skills and settings: linked although hidden. */
const LINKED_DOT_ENTRIES = new Set([".claude", ".agents", ".gemini", ".codex", ".mcp.json"]);

/** Never linked: VCS data, dependencies, caches, our own state and anything that looks like a secret. */
const EXCLUDED = new Set(["node_modules", "__pycache__", STATE_DIR, ".git"]);
const SECRET_LIKE = /^\.env|\.(pem|key|p12|pfx)$|^id_(rsa|ed25519|ecdsa)/;

export function workspacePath(projectDir: string, clientId: string): string {
  assertClientId(clientId);
  return join(projectDir, STATE_DIR, "clients", clientId);
}

/** Which top-level project entries a workspace links to. */
export function isLinkedEntry(name: string): boolean {
  if (EXCLUDED.has(name) || SECRET_LIKE.test(name)) return false;
  return !name.startsWith(".") || LINKED_DOT_ENTRIES.has(name);
}

/**
 * Creates (or refreshes) the caller's workspace and returns its absolute path. Idempotent: existing correct
 * links are kept, stale links of ours are removed, and real files the caller's agent created are never touched.
 */
export async function prepareWorkspace(projectDir: string, clientId: string): Promise<string> {
  const dir = workspacePath(projectDir, clientId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const wanted = new Map<string, string>();
  for (const name of await readdir(projectDir)) {
    if (isLinkedEntry(name)) wanted.set(name, relative(dir, join(projectDir, name)));
  }
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const stat = await lstat(path);
    if (!stat.isSymbolicLink()) {
      wanted.delete(name); // the caller's own file shadows the project entry
      continue;
    }
    const target = await readlink(path);
    if (wanted.get(name) === target) wanted.delete(name);
    else if (target.startsWith(`..${"/"}`)) await rm(path, { force: true }); // a stale link of ours
  }
  for (const [name, target] of wanted) {
    try {
      await symlink(target, join(dir, name));
    } catch (error) {
      // Another request of the same caller linked it first.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return dir;
}
