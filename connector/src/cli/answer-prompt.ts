/**
 * The caller's side of a permission prompt in the terminal: shows what the agent wants to do, reads y/N, and
 * sends the answer to the gateway. Anything but `y`/`yes` denies; a closed stdin denies too (nobody is there to
 * approve), so a script never approves by accident. A prompt the agent withdraws (its timeout passed) stops the
 * question in the chat REPL, and nothing is sent.
 * @module
 */
import type { Interface } from "node:readline";
import { createInterface } from "node:readline";
import { type GatewayApi, segment } from "./gateway-api.ts";
import type { PermissionEvent } from "./message-stream.ts";

/** Asks on the REPL's own readline when there is one (its next line is the answer), else on a fresh one. */
export async function answerPrompt(
  api: GatewayApi,
  agent: string,
  event: PermissionEvent,
  rl?: Interface,
  withdrawn?: AbortSignal,
): Promise<"allow" | "deny" | "withdrawn"> {
  const { prompt } = event;
  const wait = prompt.timeout_s ? ` (${prompt.timeout_s} s)` : "";
  const question = `? The agent asks to ${prompt.summary ?? prompt.tool}${wait}. Allow? [y/N] `;
  const line = await ask(question, rl, withdrawn);
  // The agent stopped waiting (its timeout denied it; the stream's status line says so): nothing to send.
  if (withdrawn?.aborted) return "withdrawn";
  const decision = line !== undefined && /^\s*y(es)?\s*$/i.test(line) ? "allow" : "deny";
  await api.json("POST", `/v1/agents/${segment(agent)}/messages/${segment(event.request_id)}/input`, {
    body: {
      prompt_id: prompt.prompt_id,
      decision,
      message: decision === "deny" ? "Denied from the terminal." : undefined,
    },
  });
  return decision;
}

function ask(question: string, shared?: Interface, signal?: AbortSignal): Promise<string | undefined> {
  if (shared)
    return new Promise((resolve) => {
      signal?.addEventListener("abort", () => resolve(undefined), { once: true });
      shared.question(question, { signal }, resolve);
    });
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  return new Promise((resolve) => {
    let answered = false;
    rl.question(question, (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once("close", () => {
      if (!answered) {
        process.stdout.write("\n");
        resolve(undefined);
      }
    });
  });
}
