/** `agent-mesh agents show <ref>`. */
import type { Command } from "commander";
import { agentRef, userContext } from "../../cli/context.ts";
import { segment } from "../../cli/gateway-api.ts";
import { printJson } from "../../cli/output.ts";
import { type AgentView, printAgent } from "./agent-view.ts";

export function register(agents: Command): void {
  agents
    .command("show <ref>")
    .description("show one agent (ref: id, name or local alias)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh agents show reviewer")
    .action(async (ref: string, options: { json?: boolean }) => {
      const { api, config } = userContext();
      const agent = await api.get<AgentView>(`/v1/agents/${segment(agentRef(config, ref))}`);
      if (options.json) return printJson(agent);
      printAgent(agent);
    });
}
