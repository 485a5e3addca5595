/**
 * `agent-mesh skills info <author/slug> [--json]`: versions, dist-tags, integrity, deprecations.
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../../cli/errors.ts";
import { printableLine } from "../../cli/terminal-text.ts";
import { createRegistryClient, parseSkillRef, print, printJson } from "./api.ts";
import type { PackageDocument } from "./installer.ts";

export function register(skills: Command): void {
  skills
    .command("info <skill>")
    .description("show a skill's versions, dist-tags, integrity and deprecations")
    .option("--json", "print the package document")
    .action(async (skill: string, options: { json?: boolean }) => {
      const { author, slug, spec } = parseSkillRef(skill);
      if (spec) throw new CliError("skill_ref_invalid", "info takes author/slug without a version");
      const doc = await createRegistryClient().json<PackageDocument>("GET", `/${author}/${slug}`);
      if (options.json) return printJson(doc);
      // The rest is the author's text: no control character of theirs reaches the terminal.
      print(`${printableLine(doc.name)}: ${printableLine(doc.description)}`);
      print(
        `dist-tags: ${Object.entries(doc["dist-tags"])
          .map(([t, v]) => `${printableLine(t)}=${printableLine(v)}`)
          .join(" ")}`,
      );
      print(`downloads: ${doc.downloads}`);
      for (const [version, info] of Object.entries(doc.versions)) {
        const deprecated = info.deprecated ? `  deprecated: ${printableLine(info.deprecated)}` : "";
        print(`  ${printableLine(version)}  ${info.integrity}${deprecated}`);
      }
      for (const version of Object.keys(doc.unpublished ?? {}))
        print(`  ${printableLine(version)}  (unpublished)`);
    });
}
