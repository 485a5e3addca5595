/**
 * Containment checks for everything `install`, `update` and `remove` write or delete. A skill's two places are
 * `<root>/.agents/skills/<slug>` and `<root>/.claude/skills/<slug>`; nothing else may be touched. A project arrives
 * from someone else (a clone, a pull request), so its `.agents`, `.claude` and their `skills` folders may be
 * committed symlinks that point anywhere: those must lead to a place inside the project.
 * @module
 */
import { lstat, realpath } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { CliError } from "../../cli/errors.ts";

/** The folders a skill lives in, relative to the project (or the home folder with `--global`). */
export const SKILL_FOLDERS: readonly string[] = [join(".agents", "skills"), join(".claude", "skills")];

/** Is `path` strictly inside `folder` (after resolving `.` and `..`, not symlinks)? */
export function isInside(folder: string, path: string): boolean {
  return resolve(path).startsWith(resolve(folder) + sep);
}

/**
 * Throws unless `path` is a direct child of `<root>/.agents/skills` or `<root>/.claude/skills`. Slugs are
 * validated long before this; it is the last line if one ever is not.
 * @example assertSkillPlace("/p", "/p/.agents/skills/git-helper") // passes
 */
export function assertSkillPlace(root: string, path: string): void {
  const parent = resolve(path, "..");
  const allowed = SKILL_FOLDERS.some((folder) => resolve(root, folder) === parent && isInside(parent, path));
  if (!allowed) {
    throw new CliError(
      "path_forbidden",
      `refusing to touch ${path}: skills live only in .agents/skills/<slug> and .claude/skills/<slug>`,
    );
  }
}

/**
 * Throws `path_outside_project` when `.agents`, `.agents/skills`, `.claude` or `.claude/skills` exists and
 * resolves (through symlinks) to a place outside `root`. Missing folders are fine: the installer creates them.
 */
export async function assertFoldersInProject(root: string): Promise<void> {
  let realRoot: string | null = null;
  for (const relativePath of [".agents", join(".agents", "skills"), ".claude", join(".claude", "skills")]) {
    const path = join(root, relativePath);
    if (!(await lstat(path).catch(() => null))) continue;
    realRoot ??= await realpath(root);
    // A dangling link cannot be resolved; it leads nowhere we could check, so it is refused too.
    const target = await realpath(path).catch(() => null);
    if (target === null || !isInside(realRoot, target)) {
      throw new CliError(
        "path_outside_project",
        `${path} leads to ${target ?? "a missing target"}, outside ${root}; refusing to install or remove skills through it`,
      );
    }
  }
}
