/** `agent-mesh restart <agent>|--all`: stop then start, picking up changed settings. */
import type { Command } from "commander";
import { targets } from "./background-targets.ts";
import { startAll } from "./start.ts";
import { stopAll } from "./stop.ts";

export function register(program: Command): void {
  program
    .command("restart")
    .description("restart an agent's connector in the background")
    .argument("[agent]", "local alias, name or id")
    .option("--all", "restart every local agent")
    .addHelpText("after", "\nExamples:\n  agent-mesh restart upper\n  agent-mesh restart --all")
    .action(async (ref: string | undefined, options: { all?: boolean }) => {
      const list = targets(ref, options.all, "restart");
      await stopAll(list, true);
      await startAll(list, true);
    });
}
