/**
 * `agent-mesh agents connect-command <ref>`: mints a one-time connect ticket and prints the one line to paste on
 * the machine that should run the agent (`npx -y <gateway>/dl/agent-mesh-<version>.tgz connect --setup <ticket>`).
 */
import type { Command } from "commander";
import { agentRef, userContext } from "../../cli/context.ts";
import { segment } from "../../cli/gateway-api.ts";
import { printJson } from "../../cli/output.ts";

interface Ticket {
  ticket: string;
  url: string;
  expires_at: string;
  agent: { id: string; name: string; type?: string };
  /** Absent when the gateway does not serve the connector package (e.g. on Workers). */
  command?: string;
  /** What the owner appends to the line: an exec agent's program (`-- <command> [args...]`). */
  command_needs?: string;
}

export function register(agents: Command): void {
  agents
    .command("connect-command <ref>")
    .description("mint a one-time ticket and print the command that connects the agent on another machine")
    .option("--json", "print the ticket as JSON")
    .addHelpText(
      "after",
      "\nExample:\n  agent-mesh agents connect-command reviewer   # paste the printed line on the agent's machine",
    )
    .action(async (ref: string, options: { json?: boolean }) => {
      const { api, config } = userContext();
      const ticket = await api.json<Ticket>("POST", `/v1/agents/${segment(agentRef(config, ref))}/tickets`);
      if (options.json) return printJson(ticket);
      const exec = ticket.agent.type === "exec" ? "exec " : "";
      const line = ticket.command ?? `agent-mesh connect ${exec}--setup ${ticket.url}`;
      process.stdout.write(`${line}\n`);
      process.stderr.write(
        (ticket.command_needs
          ? `${ticket.agent.name} is an exec agent: append the program it runs, \`${ticket.command_needs}\`.\n`
          : "") +
          `Run it on the machine that hosts ${ticket.agent.name}; the ticket works once, until ${ticket.expires_at}.` +
          (ticket.command
            ? "\n"
            : " (this gateway does not serve the connector: install agent-mesh there first)\n"),
      );
    });
}
