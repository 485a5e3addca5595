/** `agent-mesh discover`: agents you can call (public ones and your own), filtered by capability or presence. */
import type { Command } from "commander";
import { userContext } from "../cli/context.ts";
import { printJson } from "../cli/output.ts";
import { listAgents, printAgentTable } from "./agents/agent-view.ts";

export function register(program: Command): void {
  program
    .command("discover")
    .description("find agents you can call")
    .option("--capability <c>", "only agents with this capability")
    .option("--online", "only agents connected right now")
    .option("--query <text>", "match in name or description")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh discover --capability code-review --online")
    .action(async (options: { capability?: string; online?: boolean; query?: string; json?: boolean }) => {
      const { api } = userContext();
      const query = new URLSearchParams();
      if (options.capability) query.set("capability", options.capability);
      if (options.online) query.set("online", "true");
      if (options.query) query.set("q", options.query);
      const agents = await listAgents(api, query);
      if (options.json) return printJson(agents);
      printAgentTable(agents, "No agents match.");
    });
}
