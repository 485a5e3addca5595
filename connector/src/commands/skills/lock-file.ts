/**
 * The project lock file `agent-mesh-skills.lock.json`: one entry per installed `author/slug` with the version,
 * the range asked for, the resolved archive URL, its integrity and a digest of the installed files. Keys are
 * sorted and there are no timestamps, so it diffs cleanly and two installs of the same thing write the same bytes.
 * @module
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CliError } from "../../cli/errors.ts";

export const LOCK_FILE_NAME = "agent-mesh-skills.lock.json";

export interface LockEntry {
  /** What the user asked for: an exact version, a range or a dist-tag; `update` stays within it. */
  range: string;
  version: string;
  resolved: string;
  integrity: string;
  /** `sha256:` over the installed files (path + content); a different value means local edits. */
  content: string;
}

export interface LockFile {
  lockfileVersion: 1;
  skills: Record<string, LockEntry>;
}

export async function readLock(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lockfileVersion: 1, skills: {} };
    throw error;
  }
  const data = JSON.parse(text) as LockFile;
  if (data.lockfileVersion !== 1 || typeof data.skills !== "object") {
    throw new CliError("lock_invalid", `${path} is not a version 1 skills lock file`);
  }
  return data;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}

export async function writeLock(path: string, lock: LockFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${LOCK_FILE_NAME}.${process.pid}.tmp`);
  await writeFile(temporary, `${JSON.stringify(sortKeys(lock), null, 2)}\n`);
  await rename(temporary, path);
}
