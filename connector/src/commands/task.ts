/** `agent-mesh task <id> [--wait]`: show an async task, or wait until it ends and print its result. */
import type { Command } from "commander";
import { userContext } from "../cli/context.ts";
import { CliError } from "../cli/errors.ts";
import type { GatewayApi } from "../cli/gateway-api.ts";
import { segment } from "../cli/gateway-api.ts";
import { dim, printJson } from "../cli/output.ts";

export interface TaskView {
  id: string;
  agent_id: string;
  /** Absent from an older gateway's answers. */
  agent_name?: string;
  message?: string;
  session_id: string;
  status: string;
  result?: string;
  error?: { code: string; message: string };
  attachments: { name: string; size: number; url: string }[];
  created_at: string;
  updated_at: string;
}

const TERMINAL = new Set(["completed", "failed", "canceled", "input-required"]);

export function register(program: Command): void {
  program
    .command("task")
    .description("show an async task; --wait waits for it to end")
    .argument("<id>", "task id printed by `call --async`")
    .option("--wait", "wait until the task ends")
    .option("--timeout <seconds>", "with --wait: give up after this many seconds")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh task ag_0123456789abcdef.01J... --wait")
    .action(async (id: string, options: { wait?: boolean; timeout?: string; json?: boolean }) => {
      const seconds = options.timeout === undefined ? undefined : Number(options.timeout);
      // As `call --timeout`: a value that is not a number would otherwise wait forever.
      if (seconds !== undefined && !(seconds > 0))
        throw new CliError("invalid_option", "--timeout must be a number of seconds > 0.");
      const { api } = userContext();
      const deadline = seconds ? Date.now() + seconds * 1000 : Number.POSITIVE_INFINITY;
      let task = await getTask(api, id);
      for (let delay = 250; options.wait && !TERMINAL.has(task.status); delay = Math.min(delay * 2, 2000)) {
        if (Date.now() > deadline)
          throw new CliError(
            "timeout",
            `task ${id} is still ${task.status} after ${options.timeout} s. [timeout]`,
            124,
          );
        await new Promise((r) => setTimeout(r, delay));
        task = await getTask(api, id);
      }
      if (options.json) printJson(task);
      else printTask(task);
      if (options.wait && task.status !== "completed" && task.status !== "input-required")
        process.exitCode = 1;
    });
}

function getTask(api: GatewayApi, id: string): Promise<TaskView> {
  return api.get<TaskView>(`/v1/tasks/${segment(id)}`);
}

function printTask(task: TaskView): void {
  process.stderr.write(dim(`task ${task.id}: ${task.status}\n`, process.stderr));
  if (task.result !== undefined)
    process.stdout.write(task.result.endsWith("\n") ? task.result : `${task.result}\n`);
  if (task.error) process.stdout.write(`error: ${task.error.message} [${task.error.code}]\n`);
  for (const file of task.attachments)
    process.stdout.write(`attachment: ${file.name} (${file.size} bytes) ${file.url}\n`);
  if (!TERMINAL.has(task.status)) process.stdout.write(`${task.status}\n`);
}
