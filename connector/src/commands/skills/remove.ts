/**
 * `agent-mesh skills remove <author/slug|slug>`: deletes the skill's folder and Claude link and its lock entry.
 * Only skills this CLI installed (those in the lock file) are touched.
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../../cli/errors.ts";
import { configHome } from "../../config.ts";
import { print } from "./api.ts";
import { removeSkill } from "./install-target.ts";
import { scopeFor } from "./installer.ts";
import { readLock, writeLock } from "./lock-file.ts";

export function register(skills: Command): void {
  skills
    .command("remove <skill>")
    .description("remove an installed skill (author/slug, or just slug)")
    .option("--dir <project>", "project folder (default: the current folder)")
    .option("--global", "the user's skills instead of the project's")
    .action(async (skill: string, options: { dir?: string; global?: boolean }) => {
      const scope = scopeFor(options, configHome());
      const lock = await readLock(scope.lockPath);
      const matches = Object.keys(lock.skills).filter(
        (name) => name === skill || name.split("/")[1] === skill,
      );
      if (matches.length === 0)
        throw new CliError(
          "not_installed",
          `${skill} is not installed here (see \`agent-mesh skills installed\`)`,
        );
      const name = matches[0]!;
      await removeSkill(scope.root, name.split("/")[1]!);
      delete lock.skills[name];
      await writeLock(scope.lockPath, lock);
      print(`removed ${name}`);
    });
}
