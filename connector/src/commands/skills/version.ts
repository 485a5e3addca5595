/**
 * `agent-mesh skills version patch|minor|major|<x.y.z> [path]`: rewrites `metadata.version` in SKILL.md,
 * leaving every other byte of the frontmatter and the body as it was (comments included).
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import semver from "semver";
import { isMap, isScalar, parseDocument, Scalar } from "yaml";
import { splitFrontmatter } from "../../../../skills-registry/src/validate/skill-md.ts";
import { CliError } from "../../cli/errors.ts";
import { print } from "./api.ts";
import { skillMdMissing } from "./skill-folder.ts";

export function bumpVersion(current: string | undefined, bump: string): string {
  if (semver.valid(bump)) return bump;
  if (bump !== "patch" && bump !== "minor" && bump !== "major") {
    throw new CliError(
      "version_invalid",
      `"${bump}" is neither patch, minor, major nor a version like 1.2.3`,
    );
  }
  const next = semver.inc(current ?? "0.0.0", bump);
  if (!next)
    throw new CliError("version_invalid", `metadata.version "${current}" is not semver; set one explicitly`);
  return next;
}

/**
 * Returns the file text with `metadata.version` set, and the old value. An existing value is replaced in place
 * (by its source range) so every other byte stays; otherwise the key is added through the YAML document.
 */
export function setVersion(
  text: string,
  bump: string,
): { text: string; from: string | undefined; to: string } {
  const parts = splitFrontmatter(text);
  if (!parts) throw new CliError("frontmatter_missing", "SKILL.md has no frontmatter between `---` lines");
  const document = parseDocument(parts.yaml);
  const metadata = document.get("metadata", true);
  const node = isMap(metadata) ? metadata.get("version", true) : undefined;
  const from = isScalar(node) && typeof node.value === "string" ? node.value : undefined;
  const to = bumpVersion(from, bump);
  const start = text.indexOf(parts.yaml);
  if (isScalar(node) && node.range) {
    const [valueStart, valueEnd] = node.range;
    const yaml = `${parts.yaml.slice(0, valueStart)}"${to}"${parts.yaml.slice(valueEnd)}`;
    return { text: `${text.slice(0, start)}${yaml}${text.slice(start + parts.yaml.length)}`, from, to };
  }
  const value = new Scalar(to);
  value.type = Scalar.QUOTE_DOUBLE;
  if (isMap(metadata)) metadata.set("version", value);
  else document.set("metadata", document.createNode({ version: value }));
  const yaml = document.toString({ lineWidth: 0 }).replace(/\n$/, "");
  return { text: `${text.slice(0, start)}${yaml}${text.slice(start + parts.yaml.length)}`, from, to };
}

export function register(skills: Command): void {
  skills
    .command("version <bump> [path]")
    .description("set metadata.version in SKILL.md: patch, minor, major or an explicit x.y.z")
    .action(async (bump: string, path: string | undefined) => {
      const folder = resolve(path ?? ".");
      const file = join(folder, "SKILL.md");
      // A folder without SKILL.md gets publish's sentence, not the bare ENOENT of the read.
      const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
        throw error.code === "ENOENT" ? skillMdMissing(folder) : error;
      });
      const result = setVersion(text, bump);
      await writeFile(file, result.text);
      print(`${result.from ?? "(none)"} → ${result.to}`);
    });
}
