/**
 * Read-only commands: `skills list` (mine), `skills info <author/slug>`, `skills search <q>`. Each has `--json`.
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../../cli/errors.ts";
import { createRegistryClient, parseSkillRef, print, printJson } from "./api.ts";
import type { PackageDocument } from "./installer.ts";

interface Summary {
  name: string;
  version: string;
  description: string;
  downloads: number;
  deprecated?: string;
}

function printSummaries(rows: Summary[]): void {
  if (rows.length === 0) return print("no skills found");
  for (const row of rows) {
    const deprecated = row.deprecated ? ` [deprecated: ${row.deprecated}]` : "";
    print(`${row.name}@${row.version}  ${row.description}  (${row.downloads} downloads)${deprecated}`);
  }
}

export function register(skills: Command): void {
  skills
    .command("list")
    .description("list the skills you have published")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const client = createRegistryClient();
      const me = await client.json<{ user: string }>("GET", "/-/whoami");
      const { skills: rows } = await client.json<{ skills: Summary[] }>("GET", `/${me.user}`);
      if (options.json) printJson(rows);
      else printSummaries(rows);
    });

  skills
    .command("info <skill>")
    .description("show a skill's versions, dist-tags, integrity and deprecations")
    .option("--json", "print the package document")
    .action(async (skill: string, options: { json?: boolean }) => {
      const { author, slug, spec } = parseSkillRef(skill);
      if (spec) throw new CliError("skill_ref_invalid", "info takes author/slug without a version");
      const doc = await createRegistryClient().json<PackageDocument>("GET", `/${author}/${slug}`);
      if (options.json) return printJson(doc);
      print(`${doc.name}: ${doc.description}`);
      print(
        `dist-tags: ${Object.entries(doc["dist-tags"])
          .map(([t, v]) => `${t}=${v}`)
          .join(" ")}`,
      );
      print(`downloads: ${doc.downloads}`);
      for (const [version, info] of Object.entries(doc.versions)) {
        print(`  ${version}  ${info.integrity}${info.deprecated ? `  deprecated: ${info.deprecated}` : ""}`);
      }
      for (const version of Object.keys(doc.unpublished ?? {})) print(`  ${version}  (unpublished)`);
    });

  skills
    .command("search <query>")
    .description("search skills by name and description")
    .option("--author <author>", "only this author's skills")
    .option("--json", "print JSON")
    .action(async (query: string, options: { author?: string; json?: boolean }) => {
      const params = new URLSearchParams({ q: query });
      if (options.author) params.set("author", options.author);
      const { results } = await createRegistryClient().json<{ results: Summary[] }>(
        "GET",
        `/-/search?${params}`,
      );
      if (options.json) printJson(results);
      else printSummaries(results);
    });
}
