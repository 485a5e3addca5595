/**
 * The per-caller policy handed to the sandbox runtime for one process (its per-call config, never the
 * process-wide one, so two callers wrapped at once cannot see each other's rules).
 *
 * Reads: everything of the system (programs, libraries), except the private folders — the owner's home, the
 * agent's configured home, the connector's config folder —, `<project>/.agent-mesh` (every caller's workspace
 * and state) and the top-level project entries a workspace never links (`.git`, `.env*`, key files,
 * `node_modules`: the agent reads exactly what its workspace shows). Re-opened inside those: the project itself (the workspace links into it), the caller's own
 * workspace, HOME and TMPDIR, and the install folders of the program being run when they sit in a private folder.
 * Writes: only the caller's workspace (unless read-only was asked for), HOME and TMPDIR. Symlinks are resolved by the kernel inside the sandbox, so
 * a write through a workspace link into the project lands on a read-only mount and fails.
 * @module
 */
import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { CallerSandboxPaths } from "./caller-paths.ts";

export interface FilesystemPolicy {
  denyRead: string[];
  allowRead: string[];
  allowWrite: string[];
  denyWrite: string[];
}

/**
 * Claude Code creates `/tmp/claude` and the runtime re-binds it writable in every sandbox: a channel between
 * callers. Each caller has its own TMPDIR instead.
 */
const SHARED_WRITABLE = ["/tmp/claude", "/private/tmp/claude"];

export function callerFilesystemPolicy(input: {
  paths: CallerSandboxPaths;
  privateDirs: readonly string[];
  programDirs: readonly string[];
  /** Top-level project entries the workspace does not link (`.git`, `.env*`, keys, `node_modules`). */
  hiddenProjectEntries?: readonly string[];
  readOnlyWorkspace?: boolean;
}): FilesystemPolicy {
  const { paths } = input;
  const own = [paths.workspace, paths.home, paths.tmp];
  const hidden = (input.hiddenProjectEntries ?? []).map((name) => join(paths.project, name));
  return {
    denyRead: unique([...input.privateDirs, paths.stateDir, ...hidden]),
    allowRead: unique([paths.project, ...own, ...input.programDirs]),
    allowWrite: input.readOnlyWorkspace ? [paths.home, paths.tmp] : own,
    denyWrite: SHARED_WRITABLE,
  };
}

/** True when `path` is `dir` or lies inside it. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * The folder to re-open so `program` can run when it is installed inside a private folder (e.g. a Node version
 * manager under the home folder): the install prefix for `…/bin/x`, the package folder for a script inside
 * `node_modules`, else the program's own folder. Undefined when it is readable anyway.
 */
export function programInstallDir(program: string, privateDirs: readonly string[]): string | undefined {
  let real: string;
  try {
    real = realpathSync(program);
  } catch {
    return undefined;
  }
  if (!privateDirs.some((dir) => isInside(real, dir))) return undefined;
  const folder = dirname(real);
  if (basename(folder) === "bin") return dirname(folder);
  const parts = real.split("/");
  const modules = parts.lastIndexOf("node_modules");
  if (modules > 0) {
    const scoped = parts[modules + 1]?.startsWith("@") ? 2 : 1;
    return parts.slice(0, modules + 1 + scoped).join("/");
  }
  return folder;
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths.map((path) => resolve(path)))];
}
