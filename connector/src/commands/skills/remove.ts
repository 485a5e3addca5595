/**
 * `agent-mesh skills remove <author/slug|slug>`: deletes the skill's folder and Claude link and its lock entry.
 * Only skills this CLI installed (those in the lock file) are touched, and local edits only with `--force`.
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../../cli/errors.ts";
import { configHome } from "../../config.ts";
import { print } from "./api.ts";
import { installedDigest, removeSkill } from "./install-target.ts";
import { assertScopeContained, scopeFor } from "./installer.ts";
import { readLock, writeLock } from "./lock-file.ts";
import { checkInstalledRef, slugOf } from "./skill-names.ts";

interface RemoveOptions {
  force?: boolean;
  dir?: string;
  global?: boolean;
}

export function register(skills: Command): void {
  skills
    .command("remove <skill>")
    .description("remove an installed skill (author/slug, or just slug)")
    .option("--force", "also remove a skill whose installed files were changed locally")
    .option("--dir <project>", "project folder (default: the current folder)")
    .option("--global", "the user's skills instead of the project's")
    .action(async (skill: string, options: RemoveOptions) => {
      checkInstalledRef(skill);
      const scope = scopeFor(options, configHome());
      const lock = await readLock(scope.lockPath);
      await assertScopeContained(scope);
      const matches = Object.keys(lock.skills).filter((name) => name === skill || slugOf(name) === skill);
      if (matches.length === 0)
        throw new CliError(
          "not_installed",
          `${skill} is not installed here (see \`agent-mesh skills installed\`)`,
        );
      const name = matches[0]!;
      const slug = slugOf(name);
      // As install and update do: files added or changed in the installed folder are not deleted silently.
      const digest = await installedDigest(scope.root, slug);
      if (digest !== null && digest !== lock.skills[name]!.content && !options.force) {
        throw new CliError(
          "modified_locally",
          `${name} has local changes in .agents/skills/${slug}; pass --force to remove them too`,
        );
      }
      await removeSkill(scope.root, slug);
      delete lock.skills[name];
      await writeLock(scope.lockPath, lock);
      print(`removed ${name}`);
    });
}
