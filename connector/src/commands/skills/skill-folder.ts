/**
 * Reading a skill folder from disk for `publish`: every regular file, minus the ones never packed (`.git`,
 * `node_modules`, `.env*`, keys ...), refusing symlinks rather than following them.
 * @module
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { parseDocument } from "yaml";
import { pathProblem } from "../../../../skills-registry/src/archive/path-rules.ts";
import type { Problem } from "../../../../skills-registry/src/errors.ts";
import { splitFrontmatter, validateSkillMd } from "../../../../skills-registry/src/validate/skill-md.ts";
import { CliError } from "../../cli/errors.ts";

export interface SkillFolder {
  files: Map<string, Uint8Array>;
  /** Paths left out, with the reason. */
  skipped: Array<{ path: string; reason: string }>;
  name: string | undefined;
  version: string | undefined;
}

async function walk(root: string, dir: string, folder: SkillFolder, symlinks: string[]): Promise<void> {
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const absolute = join(dir, entry.name);
    const path = relative(root, absolute).split(sep).join("/");
    const reason = pathProblem(entry.isDirectory() ? `${path}/x` : path);
    if (reason) {
      folder.skipped.push({ path, reason });
      continue;
    }
    const stats = await lstat(absolute);
    if (stats.isSymbolicLink()) symlinks.push(path);
    else if (stats.isDirectory()) await walk(root, absolute, folder, symlinks);
    else if (stats.isFile()) folder.files.set(path, new Uint8Array(await readFile(absolute)));
    else folder.skipped.push({ path, reason: "not a regular file" });
  }
}

export async function readSkillFolder(root: string): Promise<SkillFolder> {
  const folder: SkillFolder = { files: new Map(), skipped: [], name: undefined, version: undefined };
  const symlinks: string[] = [];
  await walk(root, root, folder, symlinks);
  if (symlinks.length > 0) {
    throw new CliError(
      "symlink_forbidden",
      `skills cannot contain symlinks; replace them with files: ${symlinks.join(", ")}`,
    );
  }
  const skillMd = folder.files.get("SKILL.md");
  if (!skillMd) throw skillMdMissing(root);
  const frontmatter = readFrontmatter(new TextDecoder().decode(skillMd));
  folder.name = typeof frontmatter.name === "string" ? frontmatter.name : undefined;
  const metadata = frontmatter.metadata as Record<string, unknown> | undefined;
  folder.version = typeof metadata?.version === "string" ? metadata.version : undefined;
  return folder;
}

/** What `publish`, `version` and the like say about a folder without SKILL.md. */
export function skillMdMissing(root: string): CliError {
  return new CliError("skill_md_missing", `no SKILL.md in ${root} (run \`agent-mesh skills init\`)`);
}

export function readFrontmatter(text: string): Record<string, unknown> {
  const parts = splitFrontmatter(text);
  let data: unknown = null;
  try {
    data = parts ? parseDocument(parts.yaml).toJS() : null;
  } catch (error) {
    // The YAML library refuses some documents outright (an alias bomb): say it as the registry would, with its code.
    const problems: Problem[] = [];
    validateSkillMd(text, "", problems);
    const invalid = problems.find((problem) => problem.code === "frontmatter_invalid");
    throw new CliError("frontmatter_invalid", `SKILL.md: ${invalid?.message ?? (error as Error).message}`);
  }
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
}
