/**
 * `agent-mesh task <id>`: show an async task, or wait until it ends (`--wait`) and print its result. A task that
 * stopped to ask something is answered here too: `--allow` / `--deny` a permission prompt it waits on
 * (`POST /v1/tasks/:id/input`), `--reply "..."` when its turn ended with a question (`POST /v1/tasks/:id/messages`,
 * the next turn in the same session).
 */
import type { Command } from "commander";
import type { PermissionPrompt } from "../../../gateway/src/protocol/index.ts";
import { userContext } from "../cli/context.ts";
import { CliError } from "../cli/errors.ts";
import type { GatewayApi } from "../cli/gateway-api.ts";
import { segment } from "../cli/gateway-api.ts";
import { dim, printJson } from "../cli/output.ts";
import { messageText } from "../cli/stdin-text.ts";
import { printableFor, printableLine } from "../cli/terminal-text.ts";

export interface TaskView {
  id: string;
  agent_id: string;
  /** Absent from an older gateway's answers. */
  agent_name?: string;
  message?: string;
  session_id: string;
  status: string;
  /** Queued, and offered to the agent's person's session as this ask in its inbox. */
  inbox_ask?: string;
  turn?: number;
  /** The permission prompt a running turn waits on (the task shows `input-required` meanwhile). */
  prompt?: PermissionPrompt;
  result?: string;
  error?: { code: string; message: string };
  attachments: { name: string; size: number; url: string }[];
  created_at: string;
  updated_at: string;
}

interface Options {
  wait?: boolean;
  timeout?: string;
  json?: boolean;
  allow?: boolean;
  deny?: boolean;
  why?: string;
  reply?: string;
}

const TERMINAL = new Set(["completed", "failed", "canceled", "input-required"]);

export function register(program: Command): void {
  program
    .command("task")
    .description("show an async task; --wait waits for it to end; --allow, --deny or --reply answers it")
    .argument("<id>", "task id printed by `call --async`")
    .option("--wait", "wait until the task ends (or asks something)")
    .option("--timeout <seconds>", "with --wait: give up after this many seconds")
    .option("--allow", "allow what the task's permission prompt asks")
    .option("--deny", "deny what the task's permission prompt asks")
    .option("--why <text>", "with --allow or --deny: a word for the agent")
    .option("--reply <message>", "answer a task whose turn ended with a question (`-`: from stdin)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  agent-mesh task ag_0123456789abcdef.01J... --wait
  agent-mesh task ag_0123456789abcdef.01J... --allow --wait      # let it do what it asked, then wait for the end
  agent-mesh task ag_0123456789abcdef.01J... --reply "four people" --wait`,
    )
    .action(async (id: string, options: Options) => {
      const seconds = options.timeout === undefined ? undefined : Number(options.timeout);
      // As `call --timeout`: a value that is not a number would otherwise wait forever.
      if (seconds !== undefined && !(seconds > 0))
        throw new CliError("invalid_option", "--timeout must be a number of seconds > 0.");
      const answers = [options.allow, options.deny, options.reply !== undefined].filter(Boolean).length;
      if (answers > 1) throw new CliError("invalid_option", "give one answer: --allow, --deny or --reply.");
      if (options.why !== undefined && !options.allow && !options.deny)
        throw new CliError("invalid_option", "--why goes with --allow or --deny.");
      const { api } = userContext();
      let task = await getTask(api, id);
      if (options.allow || options.deny)
        task = await answerPrompt(api, task, options.allow ? "allow" : "deny", options.why);
      else if (options.reply !== undefined) task = await reply(api, task, options.reply);
      const deadline = seconds ? Date.now() + seconds * 1000 : Number.POSITIVE_INFINITY;
      for (let delay = 250; options.wait && !TERMINAL.has(task.status); delay = Math.min(delay * 2, 2000)) {
        if (Date.now() > deadline)
          throw new CliError(
            "timeout",
            `task ${id} is still ${task.status} after ${options.timeout} s.`,
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

/** Answers the permission prompt the task waits on; the task as the gateway has it after the answer. */
async function answerPrompt(
  api: GatewayApi,
  task: TaskView,
  decision: "allow" | "deny",
  why: string | undefined,
): Promise<TaskView> {
  if (!task.prompt)
    throw new CliError(
      "no_prompt",
      `task ${task.id} is ${task.status} and waits on no permission prompt${task.status === "input-required" ? ": its turn ended with a question, answer it with --reply" : ""}.`,
    );
  const answered = await api.json<TaskView>("POST", `/v1/tasks/${segment(task.id)}/input`, {
    body: { prompt_id: task.prompt.prompt_id, decision, message: why },
  });
  process.stderr.write(
    dim(`${decision === "allow" ? "allowed" : "denied"}: ${askedFor(task.prompt)}\n`, process.stderr),
  );
  return answered;
}

/** Starts the task's next turn with `given` (or stdin); the gateway refuses a task that asked nothing. */
async function reply(api: GatewayApi, task: TaskView, given: string): Promise<TaskView> {
  const message = await messageText(given, "--reply", "echo four | agent-mesh task <id> --reply -");
  const next = await api.json<TaskView>("POST", `/v1/tasks/${segment(task.id)}/messages`, {
    body: { message },
  });
  process.stderr.write(dim(`replied: turn ${next.turn ?? "?"} is ${next.status}\n`, process.stderr));
  return next;
}

// The agent's words, shown and not obeyed (terminal-text.ts), as is everything of the agent's printed below.
const askedFor = (prompt: PermissionPrompt): string => printableLine(prompt.summary ?? prompt.tool);

function printTask(task: TaskView): void {
  process.stderr.write(dim(`task ${task.id}: ${task.status}\n`, process.stderr));
  if (task.inbox_ask)
    process.stderr.write(
      `Waiting for a reply from ${task.agent_name ?? "the agent"}'s session (asked in its inbox, ${task.inbox_ask}).\n`,
    );
  if (task.prompt) {
    const wait = task.prompt.timeout_s ? ` (denied if not answered within ${task.prompt.timeout_s} s)` : "";
    process.stdout.write(`The agent asks to ${askedFor(task.prompt)}${wait}.\n`);
    process.stderr.write(`Answer with: agent-mesh task ${task.id} --allow (or --deny)\n`);
    return;
  }
  if (task.result !== undefined) {
    // The agent's reply: exact into a pipe or file, its control characters shown, not obeyed, on a terminal.
    const result = printableFor(process.stdout, task.result);
    process.stdout.write(result.endsWith("\n") ? result : `${result}\n`);
  }
  if (task.status === "input-required")
    process.stderr.write(`Answer with: agent-mesh task ${task.id} --reply "..."\n`);
  if (task.error)
    process.stdout.write(`error: ${printableLine(task.error.message)} [${printableLine(task.error.code)}]\n`);
  for (const file of task.attachments)
    process.stdout.write(`attachment: ${printableLine(file.name)} (${file.size} bytes) ${file.url}\n`);
  if (!TERMINAL.has(task.status)) process.stdout.write(`${task.status}\n`);
}
