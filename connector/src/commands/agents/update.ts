/** `agent-mesh agents update <ref>`: change name, type, description, visibility or capabilities. */
import type { Command } from "commander";
import { agentRef, userContext } from "../../cli/context.ts";
import { CliError } from "../../cli/errors.ts";
import { segment } from "../../cli/gateway-api.ts";
import { printJson } from "../../cli/output.ts";
import { updateConfig } from "../../config.ts";
import { checkAgentType } from "./agent-type.ts";
import { type AgentView, collect, printAgent } from "./agent-view.ts";

interface Options {
  name?: string;
  type?: string;
  description?: string;
  visibility?: string;
  capability?: string[];
  json?: boolean;
}

export function register(agents: Command): void {
  agents
    .command("update <ref>")
    .description("update an agent you own")
    .option("--name <name>", "new name")
    .option("--type <type>", "new type")
    .option("--description <text>", "new description")
    .option("--visibility <v>", "private or public")
    .option("--capability <c>", "replace the capabilities (repeatable)", collect)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      '\nExample:\n  agent-mesh agents update reviewer --description "Reviews pull requests"',
    )
    .action(async (ref: string, options: Options) => {
      const patch = {
        name: options.name,
        type: options.type,
        description: options.description,
        visibility: options.visibility,
        capabilities: options.capability,
      };
      if (Object.values(patch).every((value) => value === undefined))
        throw new CliError(
          "missing_option",
          "nothing to update: pass --name, --type, --description, --visibility or --capability.",
        );
      if (options.type !== undefined) checkAgentType(options.type);
      const agent = await patchAgent(ref, patch);
      if (options.json) return printJson(agent);
      process.stdout.write(`Updated ${agent.name}.\n`);
      printAgent(agent);
    });
}

/** PATCHes an agent and keeps the local copy's name and type in step. */
export async function patchAgent(ref: string, patch: Record<string, unknown>): Promise<AgentView> {
  const { api, config } = userContext();
  const agent = await api.json<AgentView>("PATCH", `/v1/agents/${segment(agentRef(config, ref))}`, {
    body: patch,
  });
  if (Object.values(config.agents).some((local) => local.id === agent.id)) {
    updateConfig((fresh) => {
      for (const local of Object.values(fresh.agents)) {
        if (local.id !== agent.id) continue;
        local.name = agent.name;
        if (patch.type) local.type = agent.type;
      }
    });
  }
  return agent;
}
