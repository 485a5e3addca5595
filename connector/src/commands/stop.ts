/** `agent-mesh stop <agent>|--all`: stop background (or foreground) connectors by PID. */
import type { Command } from "commander";
import { stopConnector } from "../background/control.ts";
import { targets } from "./background-targets.ts";

export function register(program: Command): void {
  program
    .command("stop")
    .description("stop an agent's connector (SIGTERM, then SIGKILL after a few seconds)")
    .argument("[agent]", "local alias, name or id")
    .option("--all", "stop every running connector")
    .addHelpText("after", "\nExamples:\n  agent-mesh stop upper\n  agent-mesh stop --all")
    .action(async (ref: string | undefined, options: { all?: boolean }) => {
      await stopAll(targets(ref, options.all, "stop"), options.all === true);
    });
}

export async function stopAll(list: ReturnType<typeof targets>, quietWhenIdle: boolean): Promise<void> {
  for (const [alias] of list) {
    const pid = await stopConnector(alias);
    if (pid) process.stdout.write(`Stopped ${alias} (pid ${pid}).\n`);
    else if (!quietWhenIdle || list.length === 1) process.stdout.write(`${alias} is not running.\n`);
  }
}
