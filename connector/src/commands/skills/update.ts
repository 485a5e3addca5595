/**
 * `agent-mesh skills update [author/slug] [--force]`: moves each installed skill to the newest version its
 * recorded range (or tag) allows. Locally modified skills are skipped with a notice unless `--force`.
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../../cli/errors.ts";
import { createRegistryClient, print, printJson } from "./api.ts";
import { installedDigest } from "./install-target.ts";
import { assertScopeContained, fetchPackage, installVersion, pickVersion, scopeFor } from "./installer.ts";
import { readLock, writeLock } from "./lock-file.ts";
import { checkSkillRef, slugOf } from "./skill-names.ts";

interface UpdateOptions {
  force?: boolean;
  dir?: string;
  global?: boolean;
  json?: boolean;
}

export function register(skills: Command): void {
  skills
    .command("update [skill]")
    .description("update installed skills within their ranges (all, or one author/slug)")
    .option("--force", "also update skills with local changes (they are overwritten)")
    .option("--dir <project>", "project folder (default: the current folder)")
    .option("--global", "the user's skills instead of the project's")
    .option("--json", "print the summary as JSON")
    .action(async (skill: string | undefined, options: UpdateOptions) => {
      const wanted = skill ? checkSkillRef(skill) : null;
      const client = createRegistryClient();
      const scope = scopeFor(options, client.settings.home);
      const lock = await readLock(scope.lockPath);
      await assertScopeContained(scope);
      let names = Object.keys(lock.skills);
      if (wanted) {
        names = names.filter((n) => n === `${wanted.author}/${wanted.slug}`);
        if (names.length === 0) throw new CliError("not_installed", `${skill} is not installed here`);
      }
      const summary = { updated: [] as string[], current: [] as string[], skipped: [] as string[] };
      for (const name of names) {
        const entry = lock.skills[name]!;
        const slug = slugOf(name);
        const info = pickVersion(await fetchPackage(client, name.split("/")[0]!, slug), entry.range);
        if (info.version === entry.version) {
          summary.current.push(`${name}@${entry.version}`);
          continue;
        }
        if (!options.force && (await installedDigest(scope.root, slug)) !== entry.content) {
          summary.skipped.push(`${name}@${entry.version}`);
          if (!options.json)
            print(`skipped ${name}: modified locally (use --force to overwrite with ${info.version})`);
          continue;
        }
        lock.skills[name] = await installVersion(
          client,
          client.settings.home,
          scope,
          slug,
          info,
          entry.range,
          `${name}@${info.version}`,
        );
        await writeLock(scope.lockPath, lock);
        summary.updated.push(`${name}@${entry.version}→${info.version}`);
        if (!options.json) print(`updated ${name} ${entry.version} → ${info.version}`);
      }
      if (options.json) printJson(summary);
      else
        print(
          `${summary.updated.length} updated, ${summary.current.length} up to date, ${summary.skipped.length} skipped`,
        );
    });
}
