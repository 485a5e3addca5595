/**
 * The project lock file `agent-mesh-skills.lock.json`: one entry per installed `author/slug` with the version,
 * the range asked for, the resolved archive URL, its integrity and a digest of the installed files. Keys are
 * sorted and there are no timestamps, so it diffs cleanly and two installs of the same thing write the same bytes.
 * @module
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import * as v from "valibot";
import { CliError } from "../../cli/errors.ts";
import { skillNameProblem, slugOf } from "./skill-names.ts";

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

/** One entry as a lock file may hold it; anything else is refused before the entry is used. */
const LockEntrySchema = v.object({
  range: v.pipe(v.string(), v.minLength(1, "has an empty range")),
  version: v.pipe(v.string(), v.minLength(1, "has an empty version")),
  resolved: v.pipe(
    v.string(),
    v.check(
      (url) => /^https?:\/\/[^/\s]/i.test(url) && URL.canParse(url),
      "has a resolved URL that is not http(s)",
    ),
  ),
  integrity: v.pipe(
    v.string(),
    v.regex(/^sha512-[A-Za-z0-9+/]+={0,2}$/, "has an integrity that is not sha512-<base64>"),
  ),
  content: v.pipe(
    v.string(),
    v.regex(/^sha256:[0-9a-f]{64}$/, "has a content digest that is not sha256:<64 hex>"),
  ),
});

function entryProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "is not an object";
  const result = v.safeParse(LockEntrySchema, value);
  if (result.success) return null;
  const issue = result.issues[0];
  const field = issue.path?.map((step) => String(step.key)).join(".") ?? "";
  // Valibot's own wording for a missing or mistyped field names its internals; say what the file lacks instead.
  if (issue.type === "object" || issue.type === "string") {
    return issue.received === "undefined"
      ? `has no ${field}`
      : `has a ${field} that is not a string (${issue.received})`;
  }
  return issue.message;
}

/**
 * Reads and validates the lock file: its JSON, its version, every key (author/slug with the registry's rules,
 * no two with one slug, since the slug is the folder) and every entry. A lock file arrives with the project, so
 * nothing in it is used before it passed.
 */
export async function readLock(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lockfileVersion: 1, skills: {} };
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CliError("lock_invalid", `${path} is not valid JSON: ${(error as Error).message}`);
  }
  const lock = data as { lockfileVersion?: unknown; skills?: unknown } | null;
  if (
    typeof lock !== "object" ||
    lock === null ||
    lock.lockfileVersion !== 1 ||
    typeof lock.skills !== "object" ||
    lock.skills === null ||
    Array.isArray(lock.skills)
  ) {
    throw new CliError("lock_invalid", `${path} is not a version 1 skills lock file`);
  }
  const skills: Record<string, LockEntry> = {};
  const bySlug = new Map<string, string>();
  for (const [name, entry] of Object.entries(lock.skills)) {
    const problem = skillNameProblem(name) ?? entryProblem(entry);
    if (problem) throw new CliError("lock_invalid", `${path}: the entry "${name}" ${problem}`);
    const other = bySlug.get(slugOf(name));
    if (other) {
      throw new CliError(
        "lock_invalid",
        `${path}: the entries "${other}" and "${name}" would both install into .agents/skills/${slugOf(name)}`,
      );
    }
    bySlug.set(slugOf(name), name);
    skills[name] = v.parse(LockEntrySchema, entry);
  }
  return { lockfileVersion: 1, skills };
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
