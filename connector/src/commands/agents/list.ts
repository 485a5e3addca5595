/** `agent-mesh agents list`: your agents (use `discover` for everyone's public ones). */
import type { Command } from "commander";
import { userContext } from "../../cli/context.ts";
import { printJson } from "../../cli/output.ts";
import { listAgents, printAgentTable } from "./agent-view.ts";

export function register(agents: Command): void {
  agents
    // The default: `agent-mesh agents` alone lists them.
    .command("list", { isDefault: true })
    .description("list the agents you own")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh agents list --json")
    .action(async (options: { json?: boolean }) => {
      const { api } = userContext();
      const me = await api.get<{ user: string; scopes: string[] }>("/v1/me");
      // `mine` lists only your own; the filter keeps that true on a gateway from before it.
      const mine = (await listAgents(api, new URLSearchParams({ mine: "true" }))).filter(
        (a) => a.owner === me.user,
      );
      if (options.json) return printJson(mine);
      printAgentTable(mine, "No agents yet: create one with `agent-mesh agents create --name <name>`.");
    });
}
