/** `agent-mesh logout`: forgets the user token (and with --all, the agent credentials too). */
import type { Command } from "commander";
import { configPath, updateConfig } from "../config.ts";

export function register(program: Command): void {
  program
    .command("logout")
    .description("remove the saved user token from this machine")
    .option("--all", "also remove the agent credentials redeemed from tickets")
    .addHelpText("after", "\nExample:\n  agent-mesh logout --all")
    .action((options: { all?: boolean }) => {
      let removed = 0;
      updateConfig((config) => {
        if (config.token) removed++;
        delete config.token;
        if (options.all) {
          for (const agent of Object.values(config.agents)) {
            if (agent.token) removed++;
            delete agent.token;
          }
        }
      });
      process.stdout.write(
        removed
          ? `Logged out (${removed} credential(s) removed from ${configPath()}).\n`
          : "Not logged in.\n",
      );
      if (process.env.AGENT_MESH_TOKEN)
        process.stderr.write("Note: AGENT_MESH_TOKEN is still set in this shell's environment.\n");
    });
}
