/** `agent-mesh start <agent>|--all`: run saved connectors in the background. */

import type { Command } from "commander";
import { startConnector } from "../background/control.ts";
import { logFile } from "../background/process-state.ts";
import { errorText } from "../cli/errors.ts";
import { targets } from "./background-targets.ts";

export function register(program: Command): void {
  program
    .command("start")
    .description("start a saved agent's connector in the background")
    .argument("[agent]", "local alias, name or id")
    .option("--all", "start every local agent")
    .addHelpText("after", "\nExamples:\n  agent-mesh start upper\n  agent-mesh start --all")
    .action(async (ref: string | undefined, options: { all?: boolean }) => {
      await startAll(targets(ref, options.all, "start"), options.all === true);
    });
}

/** Starts each target; with --all an agent already running is skipped instead of failing the rest. */
export async function startAll(list: ReturnType<typeof targets>, skipRunning: boolean): Promise<void> {
  let failures = 0;
  for (const [alias, agent] of list) {
    try {
      const { pid, connected } = await startConnector(alias, agent);
      process.stdout.write(
        connected
          ? `Started ${alias} (pid ${pid}), connected. Logs: ${logFile(alias)}\n`
          : `Started ${alias} (pid ${pid}), not connected yet; see \`agent-mesh logs ${alias}\`.\n`,
      );
    } catch (error) {
      if (skipRunning && (error as { code?: string }).code === "already_running") {
        process.stdout.write(`${alias} is already running.\n`);
        continue;
      }
      if (list.length === 1) throw error;
      failures++;
      process.stderr.write(`agent-mesh: ${errorText(error)}\n`);
    }
  }
  if (failures) process.exitCode = 1;
}
