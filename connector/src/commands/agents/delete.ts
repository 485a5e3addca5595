/** `agent-mesh agents delete <ref>`: deletes the agent on the gateway (its connector is disconnected) and locally. */
import type { Command } from "commander";
import { agentRef, userContext } from "../../cli/context.ts";
import { segment } from "../../cli/gateway-api.ts";
import { printJson } from "../../cli/output.ts";
import { updateConfig } from "../../config.ts";

export function register(agents: Command): void {
  agents
    .command("delete <ref>")
    .description("delete an agent you own (its connector is disconnected for good)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh agents delete reviewer")
    .action(async (ref: string, options: { json?: boolean }) => {
      const { api, config } = userContext();
      const result = await api.json<{ id: string; deleted: boolean }>(
        "DELETE",
        `/v1/agents/${segment(agentRef(config, ref))}`,
      );
      updateConfig((fresh) => {
        for (const [alias, local] of Object.entries(fresh.agents))
          if (local.id === result.id) delete fresh.agents[alias];
      });
      if (options.json) return printJson(result);
      process.stdout.write(`Deleted agent ${ref} (${result.id}).\n`);
    });
}
