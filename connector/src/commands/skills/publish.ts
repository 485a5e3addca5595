/**
 * `agent-mesh skills publish [path] [--tag <t>] [--dry-run]`: packs the folder deterministically and uploads it
 * as `<you>/<name>@<metadata.version>`. `--dry-run` lists what would be packed and its size, and applies the
 * registry's SKILL.md rules and caps, so a skill it passes is one the registry takes.
 * @module
 */
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { caseClashes, portablePathProblem } from "../../../../skills-registry/src/archive/portable-paths.ts";
import { writeZip } from "../../../../skills-registry/src/archive/write-zip.ts";
import type { Problem } from "../../../../skills-registry/src/errors.ts";
import { LIMITS } from "../../../../skills-registry/src/limits.ts";
import { validateSkillMd } from "../../../../skills-registry/src/validate/skill-md.ts";
import { CliError } from "../../cli/errors.ts";
import { createRegistryClient, print } from "./api.ts";
import { skeleton } from "./init.ts";
import { readFrontmatter, readSkillFolder, type SkillFolder } from "./skill-folder.ts";

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
  checkSkillMdText(folder, new TextDecoder().decode(skill.files.get("SKILL.md")), skill.name ?? "");
}

function checkSkillMdText(folder: string, text: string, name: string): void {
  const problems: Problem[] = [];
  // The slug is the name itself: the URL is built from it, so the registry's name-equals-slug check holds.
  validateSkillMd(text, name, problems);
  if (problems.length > 0) throw refusal(`${folder}/SKILL.md`, problems);
}

/** Every problem on a line of its own, each with its own code, as the registry would name them. */
function refusal(what: string, problems: Problem[]): CliError {
  return new CliError(
    "validation_failed",
    `the registry would refuse ${what}; fix it and run the command again:${problems
      .map((p) => `\n  - ${p.path && p.path !== "SKILL.md" ? `${p.path}: ` : ""}${p.message} [${p.code}]`)
      .join("")}`,
  );
}

/**
 * Reads the folder. `readSkillFolder` turns the frontmatter into data with the YAML library itself, so a document
 * the library refuses to expand (an alias bomb) threw the library's bare message; the registry's own check then
 * names the problem with its code (`frontmatter_invalid`).
 */
async function readFolder(folder: string): Promise<SkillFolder> {
  try {
    return await readSkillFolder(folder);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const text = await readFile(join(folder, "SKILL.md"), "utf8").catch(() => null);
    if (text !== null) checkSkillMdText(folder, text, "");
    throw error;
  }
}

/** The registry's caps (skills-registry/src/limits.ts) applied to what would be packed, with its codes. */
export function capProblems(files: Map<string, Uint8Array>, archiveBytes: number): Problem[] {
  const problems: Problem[] = [];
  if (files.size > LIMITS.fileCount) {
    problems.push({ code: "too_many_files", message: `more than ${LIMITS.fileCount} files (${files.size})` });
  }
  let unpacked = 0;
  for (const [path, data] of files) {
    unpacked += data.length;
    const cap = path === "SKILL.md" ? LIMITS.skillMdBytes : LIMITS.fileBytes;
    if (data.length > cap) {
      problems.push({
        code: "file_too_large",
        message: `larger than ${cap} bytes (${formatBytes(cap)})`,
        path,
      });
    }
  }
  if (unpacked > LIMITS.unpackedBytes) {
    problems.push({
      code: "decompression_limit",
      message: `all files together are more than ${LIMITS.unpackedBytes} bytes (${formatBytes(LIMITS.unpackedBytes)})`,
    });
  }
  if (archiveBytes > LIMITS.archiveBytes) {
    problems.push({
      code: "archive_too_large",
      message: `the archive is larger than ${LIMITS.archiveBytes} bytes (${formatBytes(LIMITS.archiveBytes)})`,
    });
  }
  return problems;
}

/**
 * Leaves out files Windows cannot hold (`nul.txt`, `trail. `), as `readSkillFolder` leaves out the names every
 * registry refuses, so they show in the same skip lines and warning; the registry refuses them with their codes.
 */
function skipUnportable(skill: SkillFolder): void {
  for (const path of [...skill.files.keys()]) {
    const problem = portablePathProblem(path);
    if (!problem) continue;
    skill.files.delete(path);
    skill.skipped.push({ path, reason: problem.message });
  }
}

/** The description `skills init` writes, which says nothing about the skill. */
const PLACEHOLDER_DESCRIPTION = readFrontmatter(skeleton("x")).description;

/** A warning, not a refusal: the placeholder is a valid description, but agents pick skills by what it says. */
function placeholderWarning(skill: SkillFolder): string | null {
  const frontmatter = readFrontmatter(new TextDecoder().decode(skill.files.get("SKILL.md")));
  if (frontmatter.description !== PLACEHOLDER_DESCRIPTION) return null;
  return "warning: the description is still the placeholder from `agent-mesh skills init`; agents choose skills by their description, so say what this one does and when to use it";
}

/** Skips that are a surprise: names the registry refuses (`a:b.md`, `résumé.md`), not `.git` or secrets. */
function refusedNames(skipped: SkillFolder["skipped"]): string[] {
  return skipped.filter(({ reason }) => !reason.endsWith("never packed")).map(({ path }) => path);
}

/** The user name a publish would go under, for --dry-run; a placeholder when the registry does not answer soon. */
async function publisherName(): Promise<string | null> {
  try {
    const whoami = createRegistryClient().json<{ user: string }>("GET", "/-/whoami");
    const timeout = new Promise<null>((resolveLater) => setTimeout(resolveLater, 3000, null).unref());
    return (await Promise.race([whoami, timeout]))?.user ?? null;
  } catch {
    return null; // not logged in, or the gateway is unreachable: a dry run works offline
  }
}

export function register(skills: Command): void {
  skills
    .command("publish [path]")
    .description("publish the skill in path (default: the current folder) at its metadata.version")
    .option("--tag <tag>", "dist-tag to put the version under instead of moving `latest`")
    .option("--dry-run", "list what would be packed and its size, upload nothing")
    .action(async (path: string | undefined, options: { tag?: string; dryRun?: boolean }) => {
      const folder = resolve(path ?? ".");
      const skill = await readFolder(folder);
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
      skipUnportable(skill);
      const archive = writeZip(skill.files);
      const unpacked = [...skill.files.values()].reduce((sum, f) => sum + f.length, 0);
      for (const { path: skipped, reason } of skill.skipped) print(`skip  ${skipped} (${reason})`);
      for (const [file, data] of skill.files) print(`pack  ${file} ${formatBytes(data.length)}`);
      print(
        `${skill.files.size} files, ${formatBytes(unpacked)} unpacked, ${formatBytes(archive.length)} archive`,
      );
      const refused = refusedNames(skill.skipped);
      if (refused.length > 0) {
        print(
          `warning: ${refused.length} ${refused.length === 1 ? "file was" : "files were"} left out because the registry refuses ${refused.length === 1 ? "its name" : "their names"}: ${refused.join(", ")}`,
        );
      }
      const placeholder = placeholderWarning(skill);
      if (placeholder) print(placeholder);
      // Neither of two names that differ only in case can be left out silently: the skill needs one of them.
      const problems = [...caseClashes(skill.files.keys()), ...capProblems(skill.files, archive.length)];
      if (problems.length > 0) throw refusal(folder, problems);
      if (options.dryRun) {
        const author = await publisherName();
        const where = author ? `${author}/` : "";
        const note = author ? "" : " (under your user name; the registry did not say which)";
        return print(`dry run: would publish ${where}${skill.name}@${skill.version}${note}`);
      }
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
