/**
 * `agent-mesh skills list [--json]`: the skills you have published.
 * @module
 */
import type { Command } from "commander";
import { createRegistryClient, printJson } from "./api.ts";
import { printSummaries, type Summary } from "./summaries.ts";

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
}
