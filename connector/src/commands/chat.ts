/**
 * `agent-mesh chat <agent> ["message"]`: talk to an agent from the terminal. With a message it streams one
 * answer and exits; without, it is a REPL (`/quit` or Ctrl-D ends it) that keeps one conversation going.
 * @module
 */
import { createInterface, type Interface } from "node:readline";
import type { Command } from "commander";
import { answerPrompt } from "../cli/answer-prompt.ts";
import { agentRef, userContext } from "../cli/context.ts";
import { CliError, errorText } from "../cli/errors.ts";
import type { GatewayApi } from "../cli/gateway-api.ts";
import { streamMessage } from "../cli/message-stream.ts";
import { dim } from "../cli/output.ts";
import { StreamRenderer } from "../cli/render-stream.ts";

interface Options {
  session?: string;
  thinking: boolean;
}

export function register(program: Command): void {
  program
    .command("chat")
    .description("chat with an agent: one message, or a REPL when no message is given")
    .argument("<agent>", "agent id, name or local alias")
    .argument("[message]", "the message (omit for an interactive session)")
    .option("--session <id>", "continue an earlier conversation")
    .option("--no-thinking", "hide the agent's thinking")
    .addHelpText(
      "after",
      `
Examples:
  agent-mesh chat upper "hello"
  agent-mesh chat reviewer --session 3f2a...   # REPL continuing a conversation; /quit to leave`,
    )
    .action(async (agent: string, message: string | undefined, options: Options) => {
      const { api, config } = userContext();
      const ref = agentRef(config, agent);
      if (message !== undefined) {
        const sessionId = await turn(api, ref, message, options);
        if (process.stderr.isTTY) process.stderr.write(dim(`session ${sessionId}\n`, process.stderr));
        return;
      }
      await repl(api, ref, agent, options);
    });
}

/** Sends one message and renders the answer; returns the session id to continue with. */
async function turn(
  api: GatewayApi,
  ref: string,
  message: string,
  options: Options,
  rl?: Interface,
): Promise<string> {
  const renderer = new StreamRenderer({ thinking: options.thinking });
  const abort = new AbortController();
  const onInterrupt = () =>
    abort.abort(new CliError("interrupted", "interrupted; the request was canceled.", 130));
  process.once("SIGINT", onInterrupt);
  let streamedText = false;
  let lostChunks = false;
  /** Questions on screen by prompt id, stopped when the agent withdraws their prompt. */
  const prompts = new Map<string, AbortController>();
  try {
    const done = await streamMessage(api, ref, message, {
      sessionId: options.session,
      signal: abort.signal,
      onEvent: (event) => {
        if (event.event === "permission") {
          renderer.finish();
          const withdrawn = new AbortController();
          prompts.set(event.data.prompt.prompt_id, withdrawn);
          // The agent waits for this answer (or its own timeout); the stream goes on meanwhile.
          answerPrompt(api, ref, event.data, rl, withdrawn.signal)
            .catch((error: Error) =>
              process.stderr.write(`agent-mesh: could not send the answer: ${errorText(error)}\n`),
            )
            .finally(() => prompts.delete(event.data.prompt.prompt_id));
          return;
        }
        if (event.event === "permission_withdrawn") {
          prompts.get(event.data.withdrawal.prompt_id)?.abort();
          return;
        }
        if (event.event === "gap") {
          // The streamed text has a hole: say so, and show the whole result when it comes.
          renderer.finish();
          lostChunks = true;
          process.stderr.write(`${dim(event.data.message)}\n`);
          return;
        }
        if (event.event !== "chunk") return;
        if (event.data.kind === "text" || !event.data.kind) streamedText = true;
        renderer.chunk(event.data);
      },
    });
    if (lostChunks) renderer.finish(); // the whole result on lines of its own
    renderer.done(done, streamedText && !lostChunks);
    return done.session_id;
  } finally {
    renderer.finish();
    process.off("SIGINT", onInterrupt);
  }
}

async function repl(api: GatewayApi, ref: string, name: string, options: Options): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const prompt = () => {
    if (!process.stdin.isTTY) return;
    rl.setPrompt("› ");
    rl.prompt();
  };
  if (process.stdin.isTTY)
    process.stdout.write(
      dim(
        `Chatting with ${name}${options.session ? ` (session ${options.session})` : ""}; /quit to leave.\n`,
      ),
    );
  let session = options.session;
  prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (text === "/quit" || text === "/exit") break;
    if (!text) {
      prompt();
      continue;
    }
    try {
      session = await turn(api, ref, text, { ...options, session }, rl);
    } catch (error) {
      if (!(error instanceof CliError) || error.code === "unauthorized") throw error;
      // One failed turn (agent offline, busy…) does not end the conversation.
      process.stderr.write(`agent-mesh: ${errorText(error)}\n`);
    }
    prompt();
  }
  rl.close();
  if (session && process.stdin.isTTY)
    process.stdout.write(dim(`Continue later with: agent-mesh chat ${name} --session ${session}\n`));
}
