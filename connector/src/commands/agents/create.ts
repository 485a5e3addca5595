/** `agent-mesh agents create`: registers a new agent on the gateway. */
import type { Command } from "commander";
import { userContext } from "../../cli/context.ts";
import { printJson } from "../../cli/output.ts";
import { checkAgentType } from "./agent-type.ts";
import { type AgentView, collect, printAgent } from "./agent-view.ts";

interface Options {
  name: string;
  type: string;
  description?: string;
  visibility: string;
  capability?: string[];
  json?: boolean;
}

export function register(agents: Command): void {
  agents
    .command("create")
    .description("create an agent")
    .requiredOption("--name <name>", "agent name (letters, digits, - and _)")
    .option("--type <type>", "claude, codex, gemini, exec or echo", "exec")
    .option("--description <text>", "what the agent does")
    .option("--visibility <v>", "private or public", "private")
    .option("--capability <c>", "a capability tag (repeatable)", collect)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExample:\n  agent-mesh agents create --name reviewer --type claude --capability code-review",
    )
    .action(async (options: Options) => {
      checkAgentType(options.type);
      const { api } = userContext();
      const agent = await api.json<AgentView>("POST", "/v1/agents", {
        body: {
          name: options.name,
          type: options.type,
          description: options.description,
          visibility: options.visibility,
          capabilities: options.capability,
        },
      });
      if (options.json) return printJson(agent);
      process.stdout.write(`Created agent ${agent.name} (${agent.id}).\n`);
      printAgent(agent);
      const command = agent.type === "exec" ? " -- <command> [args...]" : "";
      process.stdout.write(
        `\nConnect it: agent-mesh connect ${agent.type} --agent ${agent.name}${command}\n`,
      );
    });
}
