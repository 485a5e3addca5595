/** `agent-mesh tasks [--agent <ref>] [--status <s>] [--limit <n>] [--json]`: your async tasks, newest first. */
import type { Command } from "commander";
import { agentRef, userContext } from "../cli/context.ts";
import { CliError } from "../cli/errors.ts";
import { printJson, printTable } from "../cli/output.ts";
import type { TaskView } from "./task.ts";

const MAX_LIMIT = 1000;
/** The gateway's largest page of tasks: more are read page by page. */
const PAGE = 100;
/** A table row shows this much of a task's message (its first line). */
const MESSAGE_WIDTH = 60;

interface Options {
  agent?: string;
  status?: string;
  limit: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("tasks")
    .description("list your async tasks, newest first")
    .option("--agent <ref>", "only the tasks of this agent (id, name or local alias)")
    // The gateway checks the state (400 invalid_request names them all): the list is kept in one place.
    .option("--status <status>", "only tasks in this state (e.g. completed, failed, input-required)")
    .option("--limit <n>", `how many (1-${MAX_LIMIT})`, "20")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  agent-mesh tasks
  agent-mesh tasks --agent reviewer --status completed --limit 5
  agent-mesh task <id>        # one task's result`,
    )
    .action(async (options: Options) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
        throw new CliError("invalid_option", `--limit must be a whole number from 1 to ${MAX_LIMIT}.`);
      const { api, config } = userContext();
      const query = new URLSearchParams();
      if (options.agent) query.set("agent", agentRef(config, options.agent));
      if (options.status) query.set("status", options.status);
      const tasks: TaskView[] = [];
      while (tasks.length < limit) {
        query.set("limit", String(Math.min(PAGE, limit - tasks.length)));
        const page = await api.get<{ tasks: TaskView[]; next_cursor: string | null }>(`/v1/tasks?${query}`);
        tasks.push(...page.tasks);
        if (page.next_cursor === null) break;
        query.set("cursor", page.next_cursor);
      }
      if (options.json) return printJson(tasks);
      printTable(
        ["TASK", "STATUS", "AGENT", "UPDATED", "MESSAGE"],
        tasks.map((t) => [
          t.id,
          t.status,
          t.agent_name ?? t.agent_id,
          t.updated_at,
          firstLine(t.message ?? ""),
        ]),
        options.agent || options.status
          ? "No tasks match."
          : 'No tasks yet: queue one with `agent-mesh call <agent> --task "..." --async`.',
      );
    });
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0]!;
  return line.length > MESSAGE_WIDTH || line.length < text.length
    ? `${line.slice(0, MESSAGE_WIDTH - 1)}…`
    : line;
}
