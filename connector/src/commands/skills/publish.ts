/**
 * `agent-mesh skills publish [path] [--tag <t>] [--dry-run]`: packs the folder deterministically and uploads it
 * as `<you>/<name>@<metadata.version>`. `--dry-run` only lists what would be packed and its size.
 * @module
 */
import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { writeZip } from "../../../../skills-registry/src/archive/write-zip.ts";
import type { Problem } from "../../../../skills-registry/src/errors.ts";
import { LIMITS } from "../../../../skills-registry/src/limits.ts";
import { validateSkillMd } from "../../../../skills-registry/src/validate/skill-md.ts";
import { CliError } from "../../cli/errors.ts";
import { createRegistryClient, print } from "./api.ts";
import { readSkillFolder, type SkillFolder } from "./skill-folder.ts";

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const PROGRESS_THRESHOLD = 256 * 1024;

/**
 * Checks SKILL.md with the registry's own rules before anything is packed or sent, and throws every problem with
 * its code. The name becomes a segment of the upload URL: one the registry refuses (`Other_Bad`) came back as a
 * bare 404, `no skill "alice/Other_Bad"`, and --dry-run called the skill publishable.
 */
export function checkSkillMd(folder: string, skill: SkillFolder): void {
  const problems: Problem[] = [];
  // The slug is the name itself: the URL is built from it, so the registry's name-equals-slug check holds.
  validateSkillMd(new TextDecoder().decode(skill.files.get("SKILL.md")), skill.name ?? "", problems);
  if (problems.length === 0) return;
  throw new CliError(
    "validation_failed",
    `the registry would refuse ${folder}/SKILL.md; fix it and run the command again:${problems
      .map((p) => `\n  - ${p.message} [${p.code}]`)
      .join("")}`,
  );
}

export function register(skills: Command): void {
  skills
    .command("publish [path]")
    .description("publish the skill in path (default: the current folder) at its metadata.version")
    .option("--tag <tag>", "dist-tag to put the version under instead of moving `latest`")
    .option("--dry-run", "list what would be packed and its size, upload nothing")
    .action(async (path: string | undefined, options: { tag?: string; dryRun?: boolean }) => {
      const folder = resolve(path ?? ".");
      const skill = await readSkillFolder(folder);
      checkSkillMd(folder, skill); // also the name: missing (name_missing) or not a slug (name_invalid)
      if (!skill.version) {
        throw new CliError(
          "version_missing",
          "SKILL.md has no `metadata.version`; run `agent-mesh skills version 1.0.0`",
        );
      }
      if (basename(folder) !== skill.name) {
        print(
          `note: folder "${basename(folder)}" differs from the skill name "${skill.name}"; it installs as ${skill.name}`,
        );
      }
      const archive = writeZip(skill.files);
      const unpacked = [...skill.files.values()].reduce((sum, f) => sum + f.length, 0);
      for (const { path: skipped, reason } of skill.skipped) print(`skip  ${skipped} (${reason})`);
      for (const [file, data] of skill.files) print(`pack  ${file} ${formatBytes(data.length)}`);
      print(
        `${skill.files.size} files, ${formatBytes(unpacked)} unpacked, ${formatBytes(archive.length)} archive`,
      );
      if (
        archive.length > LIMITS.archiveBytes ||
        unpacked > LIMITS.unpackedBytes ||
        skill.files.size > LIMITS.fileCount
      ) {
        throw new CliError(
          "skill_too_large",
          `over the registry's caps (${LIMITS.fileCount} files, ${formatBytes(LIMITS.unpackedBytes)} unpacked, ${formatBytes(LIMITS.archiveBytes)} archive)`,
        );
      }
      if (options.dryRun) return print(`dry run: would publish ${skill.name}@${skill.version}`);
      const client = createRegistryClient();
      const me = await client.json<{ user: string }>("GET", "/-/whoami");
      const query = options.tag ? `?tag=${encodeURIComponent(options.tag)}` : "";
      let lastShown = 0;
      const onProgress = (sent: number) => {
        if (
          archive.length < PROGRESS_THRESHOLD ||
          (sent - lastShown < archive.length / 10 && sent < archive.length)
        )
          return;
        lastShown = sent;
        process.stderr.write(
          `uploading ${formatBytes(sent)} / ${formatBytes(archive.length)} (${Math.round((sent / archive.length) * 100)}%)\n`,
        );
      };
      const result = await client.publish(
        `/${me.user}/${skill.name}/${skill.version}${query}`,
        archive,
        onProgress,
      );
      print(`published ${result.name}@${result.version} ${result.integrity}`);
      print(`dist-tags: ${JSON.stringify(result["dist-tags"])}`);
    });
}
