/** `agent-mesh agents publish|unpublish <ref>`: make an agent public (discoverable and callable by all) or private. */
import type { Command } from "commander";
import { printJson } from "../../cli/output.ts";
import { patchAgent } from "./update.ts";

export function register(agents: Command): void {
  for (const [name, visibility, what] of [
    ["publish", "public", "make an agent public: every user can discover and call it"],
    ["unpublish", "private", "make an agent private again"],
  ] as const) {
    agents
      .command(`${name} <ref>`)
      .description(what)
      .option("--json", "print JSON")
      .addHelpText("after", `\nExample:\n  agent-mesh agents ${name} reviewer`)
      .action(async (ref: string, options: { json?: boolean }) => {
        const agent = await patchAgent(ref, { visibility });
        if (options.json) return printJson(agent);
        process.stdout.write(`${agent.name} is now ${agent.visibility}.\n`);
      });
  }
}
