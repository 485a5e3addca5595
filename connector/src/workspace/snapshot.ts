/**
 * Finds the files an agent created or changed during a request, to send them back as attachments.
 * Only real files inside the workspace count: symlinks (the links to the project, or anything the agent
 * points elsewhere) are never followed, and sizes are capped.
 * @module
 */
import { constants, type Dirent } from "node:fs";
import { lstat, open, readdir, realpath } from "node:fs/promises";
import { join, sep } from "node:path";

export interface AttachmentLimits {
  /** Largest single file returned. Default 10 MiB. */
  maxFileBytes: number;
  /** Largest total returned per request. Default 25 MiB. */
  maxTotalBytes: number;
  /** Most files returned per request. Default 50. */
  maxFiles: number;
  /** Most directory entries walked per snapshot (protects against huge trees). Default 20 000. */
  maxEntries: number;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxTotalBytes: 25 * 1024 * 1024,
  maxFiles: 50,
  maxEntries: 20_000,
};

/** Runtime state and bulky trees the agent may create in its cwd: not outputs. */
const SKIPPED_DIRS = new Set([
  ".git",
  "node_modules",
  ".claude",
  ".gemini",
  ".codex",
  ".agents",
  "__pycache__",
]);

/** Relative path → a fingerprint of the file (size, mtime, inode). */
export type Snapshot = Map<string, string>;

export interface WorkspaceFile {
  /** Path relative to the workspace, `/`-separated. */
  path: string;
  size: number;
  bytes: Uint8Array;
}

export interface SkippedFile {
  path: string;
  size: number;
  reason: "too_large" | "total_limit" | "file_limit";
}

export async function snapshot(dir: string, limits: Partial<AttachmentLimits> = {}): Promise<Snapshot> {
  const maxEntries = limits.maxEntries ?? DEFAULT_ATTACHMENT_LIMITS.maxEntries;
  const files: Snapshot = new Map();
  let seen = 0;
  // Directory entries carry their type, so the links into the project (most of a fresh workspace) cost no
  // syscall at all: only real files are stat-ed, and only real directories are entered.
  const walk = async (abs: string, rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      return; // vanished or unreadable while we walked
    }
    for (const entry of entries) {
      if (++seen > maxEntries) return;
      if (entry.isSymbolicLink()) continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(join(abs, entry.name), childRel);
      } else if (entry.isFile()) {
        const stat = await lstat(join(abs, entry.name), { bigint: true }).catch(() => undefined);
        if (stat?.isFile()) files.set(childRel, `${stat.size}:${stat.mtimeNs}:${stat.ino}`);
      }
    }
  };
  await walk(dir, "");
  return files;
}

/** Paths that are new or changed in `after`, sorted. */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const changed: string[] = [];
  for (const [path, fingerprint] of after) if (before.get(path) !== fingerprint) changed.push(path);
  return changed.sort();
}

/**
 * Reads the changed files within the limits. Never follows a symlink: O_NOFOLLOW for the file itself and a
 * realpath check that it still lies inside the workspace (a parent directory could have been swapped for a link).
 */
export async function readChangedFiles(
  dir: string,
  paths: string[],
  limits: Partial<AttachmentLimits> = {},
): Promise<{ files: WorkspaceFile[]; skipped: SkippedFile[] }> {
  const { maxFileBytes, maxTotalBytes, maxFiles } = { ...DEFAULT_ATTACHMENT_LIMITS, ...limits };
  const files: WorkspaceFile[] = [];
  const skipped: SkippedFile[] = [];
  let total = 0;
  // Most turns change no file: then not even the workspace's realpath is asked for (a trip to libuv's pool).
  if (paths.length === 0) return { files, skipped };
  const root = await realpath(dir);
  for (const path of paths) {
    const real = await realpath(join(dir, path)).catch(() => undefined);
    if (!real?.startsWith(root + sep)) continue;
    const handle = await open(join(dir, path), constants.O_RDONLY | constants.O_NOFOLLOW).catch(
      () => undefined,
    );
    if (!handle) continue; // removed or replaced by a symlink since the snapshot
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) continue;
      const reason =
        stat.size > maxFileBytes
          ? "too_large"
          : files.length >= maxFiles
            ? "file_limit"
            : total + stat.size > maxTotalBytes
              ? "total_limit"
              : undefined;
      if (reason) {
        skipped.push({ path, size: stat.size, reason });
        continue;
      }
      const bytes = new Uint8Array(await handle.readFile());
      total += bytes.byteLength;
      files.push({ path, size: bytes.byteLength, bytes });
    } finally {
      await handle.close();
    }
  }
  return { files, skipped };
}
