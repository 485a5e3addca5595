/** `agent-mesh cancel <id>`: cancels an async task; the agent's process for it is stopped. */
import type { Command } from "commander";
import { userContext } from "../cli/context.ts";
import { segment } from "../cli/gateway-api.ts";
import { printJson } from "../cli/output.ts";
import type { TaskView } from "./task.ts";

export function register(program: Command): void {
  program
    .command("cancel")
    .description("cancel an async task")
    .argument("<id>", "task id")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh cancel ag_0123456789abcdef.01J...")
    .action(async (id: string, options: { json?: boolean }) => {
      const { api } = userContext();
      const task = await api.json<TaskView>("DELETE", `/v1/tasks/${segment(id)}`);
      if (options.json) return printJson(task);
      process.stdout.write(`Canceled task ${task.id}.\n`);
    });
}
