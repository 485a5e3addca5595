/**
 * `agent-mesh call <agent> --task "..."`: one request for scripts (the task may come on stdin instead:
 * `git diff | agent-mesh call reviewer`). By default prints the final result;
 * `--stream` prints text as it arrives; `--json` prints one JSON event per line; `--async` queues a durable
 * task and prints its id (follow it with `agent-mesh task <id> --wait`).
 * @module
 */
import type { Command } from "commander";
import { agentRef, userContext } from "../cli/context.ts";
import { CliError } from "../cli/errors.ts";
import { type GatewayApi, segment } from "../cli/gateway-api.ts";
import { streamMessage } from "../cli/message-stream.ts";
import { StreamRenderer } from "../cli/render-stream.ts";
import { messageText } from "../cli/stdin-text.ts";

interface Options {
  task?: string;
  stream?: boolean;
  json?: boolean;
  async?: boolean;
  timeout?: string;
  session?: string;
}

export function register(program: Command): void {
  program
    .command("call")
    .description("send one task to an agent and print the answer")
    .argument("<agent>", "agent id, name or local alias")
    .option("--task <message>", "what to ask (without it, or with `-`, the task is read from stdin)")
    .option("--stream", "print the answer as it streams")
    .option("--json", "print one JSON event per line (chunk, done, error)")
    .option("--async", "queue a durable task and print its id")
    .option("--timeout <seconds>", "give up (and cancel) after this many seconds")
    .option("--session <id>", "continue an earlier conversation")
    .addHelpText(
      "after",
      `
Examples:
  agent-mesh call upper --task "hello" --json
  agent-mesh call reviewer --task "review src/" --async      # prints a task id
  git diff | agent-mesh call reviewer                        # the task from stdin`,
    )
    .action(async (agent: string, options: Options) => {
      const { api, config } = userContext();
      const ref = agentRef(config, agent);
      const message = await messageText(options.task, "--task", "git diff | agent-mesh call <agent>");
      if (options.async) return queueTask(api, ref, message, options);
      const abort = new AbortController();
      const seconds = options.timeout === undefined ? undefined : Number(options.timeout);
      if (seconds !== undefined && !(seconds > 0))
        throw new CliError("invalid_option", "--timeout must be a number of seconds > 0.");
      let askId: string | undefined;
      // A person's session was asked in its inbox: the ask stays there (and may still be answered), say so.
      const timedOut = () =>
        askId
          ? `no reply within ${seconds} s; the ask stays in ${ref}'s inbox (${askId}).`
          : `no answer within ${seconds} s; the request was canceled.`;
      const timer = seconds
        ? setTimeout(() => abort.abort(new CliError("timeout", timedOut(), 124)), seconds * 1000)
        : undefined;
      // Without this, Ctrl-C would kill the process and leave the call running for the gateway's resume window.
      const onInterrupt = () =>
        abort.abort(
          new CliError(
            "interrupted",
            askId
              ? `interrupted; the ask stays in ${ref}'s inbox (${askId}).`
              : "interrupted; the request was canceled.",
            130,
          ),
        );
      process.once("SIGINT", onInterrupt);
      const renderer = new StreamRenderer({ thinking: true });
      let streamedText = false;
      let printedError = false;
      let lostChunks = false;
      try {
        const done = await streamMessage(api, ref, message, {
          sessionId: options.session,
          signal: abort.signal,
          onAsk: (id) => {
            askId = id;
          },
          onEvent: (event) => {
            if (event.event === "error") printedError = true;
            if (options.json) return void process.stdout.write(`${JSON.stringify(event)}\n`);
            if (event.event === "permission") {
              // call is for scripts: say what waits and where to answer; the agent's timeout denies otherwise.
              const { prompt, request_id } = event.data;
              return void process.stderr.write(
                `agent-mesh: the agent asks to ${prompt.summary ?? prompt.tool}; answer with POST /v1/agents/${segment(ref)}/messages/${request_id}/input {"prompt_id":"${prompt.prompt_id}","decision":"allow"|"deny"} (or use chat)\n`,
              );
            }
            if (options.stream && event.event === "gap") {
              // The streamed text has a hole: say so, and print the whole result when it comes.
              renderer.finish();
              lostChunks = true;
              return void process.stderr.write(`agent-mesh: ${event.data.message}\n`);
            }
            if (!options.stream || event.event !== "chunk") return;
            if (event.data.kind === "text" || !event.data.kind) streamedText = true;
            renderer.chunk(event.data);
          },
        });
        if (lostChunks) renderer.finish(); // the whole result on lines of its own
        if (!options.json) renderer.done(done, options.stream === true && streamedText && !lostChunks);
      } catch (error) {
        if (options.json && !printedError) printJsonError(error);
        throw error;
      } finally {
        clearTimeout(timer);
        process.off("SIGINT", onInterrupt);
      }
    });
}

/** `--async`: queues a durable task and prints its id, or with `--json` a `task` event. */
async function queueTask(api: GatewayApi, ref: string, message: string, options: Options): Promise<void> {
  try {
    const task = await api.json<{ task_id: string }>("POST", `/v1/agents/${segment(ref)}/messages`, {
      body: { message, session_id: options.session, async: true },
    });
    process.stdout.write(
      options.json ? `${JSON.stringify({ event: "task", data: task })}\n` : `${task.task_id}\n`,
    );
  } catch (error) {
    if (options.json) printJsonError(error);
    throw error;
  }
}

/**
 * --json callers read errors from stdout too, so a script sees every outcome as one line; the code has its own
 * field, so the message goes without the `[code]` the terminal line (printed by `main`) ends with.
 */
function printJsonError(error: unknown): void {
  if (!(error instanceof CliError)) return;
  const data = { code: error.code, message: error.message };
  process.stdout.write(`${JSON.stringify({ event: "error", data })}\n`);
}
