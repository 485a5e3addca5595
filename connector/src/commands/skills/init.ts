/**
 * `agent-mesh skills init [path] [--name <slug>]`: writes a spec-valid SKILL.md skeleton (name = folder name,
 * version in `metadata.version`).
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { SLUG_PATTERN } from "../../../../skills-registry/src/names.ts";
import { CliError } from "../../cli/errors.ts";
import { print } from "./api.ts";

export function skeleton(name: string): string {
  return `---
name: ${name}
description: Describe what this skill does and when an agent should use it (1-1024 characters).
metadata:
  version: "0.1.0"
---

# ${name}

Instructions for the agent go here. Keep this file short; put long references in \`references/\` and helper
scripts in \`scripts/\` (they are never run on install).
`;
}

export function register(skills: Command): void {
  skills
    .command("init [path]")
    .description("create a SKILL.md skeleton in path (default: the current folder)")
    .option("--name <slug>", "skill name (default: the folder name)")
    .action(async (path: string | undefined, options: { name?: string }) => {
      const folder = resolve(path ?? ".");
      const name = options.name ?? basename(folder);
      if (!SLUG_PATTERN.test(name)) {
        throw new CliError(
          "name_invalid",
          `"${name}" is not a valid skill name (1-64 chars of a-z, 0-9, single inner hyphens); rename the folder or pass --name`,
        );
      }
      await mkdir(folder, { recursive: true });
      const file = join(folder, "SKILL.md");
      try {
        await writeFile(file, skeleton(name), { flag: "wx" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST")
          throw new CliError("skill_md_exists", `${file} already exists`);
        throw error;
      }
      print(`created ${file}; edit the description, then \`agent-mesh skills publish ${path ?? "."}\``);
    });
}
