/**
 * `agent-mesh skills update [author/slug] [--force]`: moves each installed skill to the newest version its
 * recorded range (or tag) allows. Locally modified skills are skipped with a notice unless `--force`. A skill whose
 * range matches no published version any more, or that is gone, is reported and the rest still update; the
 * command then exits 1.
 * @module
 */
import type { Command } from "commander";
import { CliError, errorText } from "../../cli/errors.ts";
import { createRegistryClient, print, printJson, type RegistryClient } from "./api.ts";
import { installedDigest } from "./install-target.ts";
import {
  assertScopeContained,
  fetchPackage,
  installVersion,
  pickVersion,
  scopeFor,
  type VersionInfo,
} from "./installer.ts";
import { readLock, writeLock } from "./lock-file.ts";
import { checkSkillRef, slugOf } from "./skill-names.ts";

interface UpdateOptions {
  force?: boolean;
  dir?: string;
  global?: boolean;
  json?: boolean;
}

/**
 * The newest version of `name` within `range`, or the error when there is none: `version_not_found` (nothing in
 * range) or the skill or author gone from the registry, as `skills installed --check-updates` treats them. Any other
 * error (the registry unreachable) still ends the command.
 */
async function newestInRange(
  client: RegistryClient,
  name: string,
  range: string,
): Promise<VersionInfo | CliError> {
  try {
    return pickVersion(await fetchPackage(client, name.split("/")[0]!, slugOf(name)), range);
  } catch (error) {
    if (error instanceof CliError && error.code.endsWith("_not_found")) return error;
    throw error;
  }
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
      const summary = {
        updated: [] as string[],
        current: [] as string[],
        skipped: [] as string[],
        failed: [] as Array<{ name: string; code: string; message: string }>,
      };
      for (const name of names) {
        const entry = lock.skills[name]!;
        const slug = slugOf(name);
        const info = await newestInRange(client, name, entry.range);
        if (info instanceof CliError) {
          summary.failed.push({ name, code: info.code, message: info.message });
          if (!options.json) process.stderr.write(`agent-mesh: ${errorText(info)}\n`); // the message names the skill
          continue;
        }
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
          `${summary.updated.length} updated, ${summary.current.length} up to date, ${summary.skipped.length} skipped${summary.failed.length > 0 ? `, ${summary.failed.length} failed` : ""}`,
        );
      if (summary.failed.length > 0) process.exitCode = 1;
    });
}
