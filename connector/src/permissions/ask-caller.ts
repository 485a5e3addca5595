/**
 * One permission question to the caller of a request: turns Claude Code's approval request into a protocol
 * `PermissionPrompt`, waits for the caller's answer (through the gateway), and turns that answer into Claude's
 * permission result. Silence is a denial: after `timeoutMs` the tool use is denied, the prompt is withdrawn (the
 * gateway stops taking answers to it) and the stream says so in a `status` chunk; a canceled request denies too.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { PermissionPrompt, PromptAnswer } from "../../../gateway/src/protocol/index.ts";
import type { AgentChunk, PromptWithdrawFn } from "../agents/types.ts";
import type { ApprovalRequest, ApprovalResult } from "./relay-server.ts";
import { summarizeToolUse } from "./summary.ts";

/** Asks the caller of one request (the protocol client's `reply.ask`); never resolves by itself. */
export type AskFn = (prompt: PermissionPrompt) => Promise<PromptAnswer>;

/** Default time a caller has to answer: under the gateway's 300 s idle limit for live calls. */
export const DEFAULT_ASK_TIMEOUT_MS = 120_000;

/** Tool inputs larger than this are not shown in the prompt (the summary still is); edits need the full input. */
const MAX_PROMPT_INPUT_CHARS = 32_000;

export interface AskCallerOptions {
  timeoutMs: number;
  signal: AbortSignal;
  emit: (chunk: AgentChunk) => void;
  /** Closes the prompt on the caller's side when it times out (see `RequestReply.withdraw`). */
  withdraw?: PromptWithdrawFn;
}

const CANCELED: ApprovalResult = { behavior: "deny", message: "The request was canceled." };

export async function askCaller(
  ask: AskFn,
  request: ApprovalRequest,
  options: AskCallerOptions,
): Promise<ApprovalResult> {
  // The agent can ask again between the cancel and its process's end (it was told "denied" and tries once more):
  // the caller of a canceled request is not asked.
  if (options.signal.aborted) return CANCELED;
  const prompt: PermissionPrompt = {
    prompt_id: `p_${randomBytes(9).toString("base64url")}`,
    tool: request.tool_name.slice(0, 256),
    summary: summarizeToolUse(request.tool_name, request.input),
    timeout_s: Math.round(options.timeoutMs / 1000),
  };
  if (JSON.stringify(request.input).length <= MAX_PROMPT_INPUT_CHARS) prompt.input = request.input;
  const seconds = prompt.timeout_s;
  const answer = await waitForAnswer(ask(prompt), options);
  if (answer === "timeout") {
    const line = `No answer to the permission prompt for ${prompt.tool} within ${seconds} s: denied.`;
    // First the machine-readable close (the gateway stops taking answers), then the line a person reads.
    options.withdraw?.({ prompt_id: prompt.prompt_id, reason: "timeout", message: line });
    options.emit({ kind: "status", delta: line });
    return {
      behavior: "deny",
      message: `The caller did not answer within ${seconds} s, so this ${prompt.tool} call was denied.`,
    };
  }
  if (answer === "canceled") return CANCELED;
  if (answer.decision === "allow") {
    return { behavior: "allow", updatedInput: answer.updated_input ?? request.input };
  }
  return {
    behavior: "deny",
    message: answer.message
      ? `The caller denied this ${prompt.tool} call: ${answer.message}`
      : `The caller denied this ${prompt.tool} call.`,
  };
}

function waitForAnswer(
  answer: Promise<PromptAnswer>,
  { timeoutMs, signal }: AskCallerOptions,
): Promise<PromptAnswer | "timeout" | "canceled"> {
  if (signal.aborted) return Promise.resolve("canceled");
  return new Promise((resolve) => {
    const onAbort = () => settle("canceled");
    const timer = setTimeout(() => settle("timeout"), timeoutMs);
    const settle = (outcome: PromptAnswer | "timeout" | "canceled") => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    answer.then(settle, () => settle("canceled"));
  });
}
