/**
 * `agent-mesh skills search <q> [--author <a>] [--json]`: search names and descriptions.
 * @module
 */
import type { Command } from "commander";
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
      else printSummaries(results);
    });
}
