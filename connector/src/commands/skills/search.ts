/**
 * `agent-mesh skills search <q> [--author <a>] [--json]`: search names and descriptions.
 * @module
 */
import type { Command } from "commander";
import { printableLine } from "../../cli/terminal-text.ts";
import { createRegistryClient, printJson } from "./api.ts";
import { printSummaries, type Summary } from "./summaries.ts";

export function register(skills: Command): void {
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
      // Names and descriptions are other people's text: no control character of theirs reaches the terminal.
      else
        printSummaries(
          results.map((row) => ({
            name: printableLine(row.name),
            version: printableLine(row.version),
            description: printableLine(row.description),
            downloads: row.downloads,
            deprecated: row.deprecated === undefined ? undefined : printableLine(row.deprecated),
          })),
        );
    });
}
