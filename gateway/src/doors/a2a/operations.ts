/**
 * The A2A operations, binding-neutral: each takes the request's params object (the same on JSON-RPC and REST)
 * and returns the result object, or throws an `A2aError`. Everything goes through the call service: an A2A task
 * is a mesh task (`/v1/tasks/:id` shows it), and it is scoped to the caller and to this agent's URL.
 */

import * as v from "valibot";
import type { AgentRecord } from "../../domain/agents.ts";
import type { Caller } from "../../domain/caller.ts";
import type { SignalSource } from "../../domain/caller-watch.ts";
import { TASK_ID, type TaskRecord } from "../../domain/tasks.ts";
import { ApiError } from "../../errors.ts";
import { PromptAnswer } from "../../protocol/index.ts";
import type { GatewayServices } from "../../services.ts";
import { describeIssue } from "../../util/schema-issue.ts";
import { A2aError, a2aErrors } from "./errors.ts";
import { historyLengthOf, pushConfigOf, type SendInput, sendInputOf, stateFilterOf } from "./parse.ts";
import { checkedPushConfig, MAX_PUSH_CONFIGS, PUSH_DATA, type PushConfig, pushConfigToWire } from "./push.ts";
import { promptOf, taskToWire } from "./wire.ts";

export interface A2aCall {
  caller: Caller;
  agent: AgentRecord;
  services: GatewayServices;
  origin: string;
  /**
   * The client's request; its signal (aborted when the client goes away) is read only by a wait old enough to
   * need it: on Node, reading it builds an AbortController and its listeners for every request.
   */
  connection: SignalSource;
}

type Params = Record<string, unknown>;

function requireString(params: Params, field: string): string {
  const value = params[field];
  if (typeof value !== "string" || value === "") throw a2aErrors.invalidParams(`${field} is required.`);
  return value;
}

/** One of the caller's tasks with this agent; anything else (someone else's, another agent's) is TaskNotFound. */
export async function ownTask(call: A2aCall, id: string): Promise<TaskRecord> {
  const task = await call.services.calls.getTask(call.caller, id).catch((error: unknown) => {
    if (error instanceof ApiError && error.code === "task_not_found") return null;
    throw error;
  });
  if (!task || task.agent_id !== call.agent.id) throw a2aErrors.taskNotFound(id);
  return task;
}

function requireCallScope(caller: Caller): void {
  if (!caller.scopes.includes("call") && !caller.scopes.includes("admin"))
    throw new A2aError("PermissionDenied", "forbidden", "This token lacks the `call` scope.");
}

/** Starts a task, or the next turn of an input-required one (`message.taskId`). */
export async function beginSend(call: A2aCall, input: SendInput): Promise<TaskRecord> {
  requireCallScope(call.caller);
  const { calls, config } = call.services;
  const push = input.push ? checkedPushConfig(input.push, "", config) : undefined;
  let task: TaskRecord;
  if (input.taskId) {
    const current = await ownTask(call, input.taskId);
    if (current.status === "working" && current.prompt) {
      // The turn waits on a permission prompt: this message is the caller's answer (see promptAnswerOf).
      const answer = promptAnswerOf(current.prompt.prompt_id, input.text);
      return (await calls.answerPrompt(call.caller, { taskId: current.id }, answer)) ?? current;
    }
    if (current.status === "working" && current.withdrawn_prompt) {
      // An answer that came after the agent gave up waiting is refused as \`prompt_withdrawn\`, like the REST door;
      // any other message goes on below (and is told the task is not waiting).
      const late = lateAnswerOf(current.withdrawn_prompt.prompt_id, input.text);
      if (late) await calls.answerPrompt(call.caller, { taskId: current.id }, late);
    }
    if (input.contextId && input.contextId !== current.session_id)
      throw a2aErrors.invalidParams(
        `message.contextId ${input.contextId} is not the context of task ${current.id} (${current.session_id}).`,
      );
    const turn = String((current.turn ?? 1) + 1);
    const a2a = (current.extensions?.a2a as { messageIds?: Record<string, string> } | undefined) ?? {};
    task = await calls.continueTask(
      call.caller,
      current.id,
      input.text,
      { a2a: { ...a2a, messageIds: { ...a2a.messageIds, [turn]: input.messageId } } },
      { awaitHandoff: !input.returnImmediately },
    );
  } else {
    task = await calls.startTask(call.caller, call.agent, {
      message: input.text,
      sessionId: input.contextId,
      origin: call.origin,
      extensions: { a2a: { messageIds: { "1": input.messageId } } },
      // The caller follows the task next (unless returnImmediately): let it find the task running.
      awaitHandoff: !input.returnImmediately,
    });
  }
  if (push) await savePushConfig(call, task.id, { ...push, taskId: task.id });
  return task;
}

/** Waits until the task's turn ends (terminal or input-required), the client leaves, or the sync timeout. */
function untilTurnEnds(call: A2aCall, task: TaskRecord): Promise<TaskRecord> {
  const { calls, config } = call.services;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (final: TaskRecord) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopWatching();
      follow.stop();
      resolve(final);
    };
    // Past the timeout (or when the client left) the task as it stands is the answer; it runs on regardless.
    const current = () => calls.getTask(call.caller, task.id).then(finish, () => finish(task));
    const timer = setTimeout(current, config.syncTimeoutMs);
    const stopWatching = calls.watchCaller(call.connection, current);
    const follow = calls.followTask(call.caller, task, 0, {
      // Blocking waits for a terminal *or interrupted* state: a permission prompt interrupts the turn.
      chunk(_seq, kind, delta) {
        const prompt = kind === "permission" ? promptOf(delta) : null;
        if (prompt)
          void promptStillOpen(call, task.id, prompt.prompt_id).then((open) => open && finish(open));
      },
      end: finish,
    });
  });
}

export async function sendMessage(call: A2aCall, params: unknown) {
  const input = sendInputOf(params);
  const task = await beginSend(call, input);
  const final = input.returnImmediately ? task : await untilTurnEnds(call, task);
  return { task: taskToWire(final, { historyLength: input.historyLength }) };
}

export async function getTask(call: A2aCall, params: Params) {
  const task = await ownTask(call, requireString(params, "id"));
  return taskToWire(task, { historyLength: historyLengthOf(params.historyLength) });
}

export async function cancelTask(call: A2aCall, params: Params) {
  const task = await ownTask(call, requireString(params, "id"));
  const canceled = await call.services.calls.cancelTask(call.caller, task.id);
  return taskToWire(canceled);
}

export async function listTasks(call: A2aCall, params: Params) {
  const pageSize = params.pageSize === undefined || params.pageSize === "" ? 50 : Number(params.pageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100)
    throw a2aErrors.invalidParams("pageSize must be an integer from 1 to 100.");
  const pageToken = typeof params.pageToken === "string" && params.pageToken ? params.pageToken : undefined;
  if (pageToken && !TASK_ID.test(pageToken))
    throw a2aErrors.invalidParams(
      "pageToken is not one this gateway gave out; pass nextPageToken as it came.",
    );
  const contextId = typeof params.contextId === "string" && params.contextId ? params.contextId : undefined;
  const after = typeof params.statusTimestampAfter === "string" ? params.statusTimestampAfter : undefined;
  if (after && Number.isNaN(Date.parse(after)))
    throw a2aErrors.invalidParams("statusTimestampAfter must be an RFC 3339 timestamp.");
  const page = await call.services.calls.listTasks(call.caller, {
    agentId: call.agent.id,
    status: stateFilterOf(params.status),
    limit: pageSize,
    cursor: pageToken,
    sessionId: contextId,
    updatedAfter: after ? new Date(after).toISOString() : undefined,
  });
  const historyLength = historyLengthOf(params.historyLength);
  const artifacts = params.includeArtifacts === true || params.includeArtifacts === "true";
  return {
    tasks: page.tasks.map((task) => taskToWire(task, { historyLength, artifacts })),
    nextPageToken: page.nextCursor ?? "",
    pageSize,
  };
}

// --- push-notification configs ---

async function pushConfigsOf(call: A2aCall, taskId: string): Promise<PushConfig[]> {
  return (await call.services.calls.taskData<PushConfig[]>(call.caller, taskId, PUSH_DATA)) ?? [];
}

/** Adds (or replaces, by id) a config in one compare-and-set step, so two creates at once both stay. */
async function savePushConfig(call: A2aCall, taskId: string, config: PushConfig): Promise<void> {
  let full = false;
  await call.services.calls.updateTaskData<PushConfig[]>(call.caller, taskId, PUSH_DATA, (current) => {
    const others = (current ?? []).filter((c) => c.id !== config.id);
    full = others.length >= MAX_PUSH_CONFIGS;
    return full ? undefined : [...others, config];
  });
  if (full)
    throw a2aErrors.invalidParams(`A task may have at most ${MAX_PUSH_CONFIGS} push notification configs.`);
}

export async function createPushConfig(call: A2aCall, params: Params) {
  const task = await ownTask(call, requireString(params, "taskId"));
  const config = checkedPushConfig(pushConfigOf(params, "params"), task.id, call.services.config);
  await savePushConfig(call, task.id, config);
  return pushConfigToWire(config);
}

export async function getPushConfig(call: A2aCall, params: Params) {
  const task = await ownTask(call, requireString(params, "taskId"));
  const id = requireString(params, "id");
  const config = (await pushConfigsOf(call, task.id)).find((c) => c.id === id);
  if (!config)
    throw new A2aError("InvalidParams", "push_config_not_found", `Task ${task.id} has no push config ${id}.`);
  return pushConfigToWire(config);
}

export async function listPushConfigs(call: A2aCall, params: Params) {
  const task = await ownTask(call, requireString(params, "taskId"));
  return { configs: (await pushConfigsOf(call, task.id)).map(pushConfigToWire), nextPageToken: "" };
}

export async function deletePushConfig(call: A2aCall, params: Params) {
  const task = await ownTask(call, requireString(params, "taskId"));
  const id = requireString(params, "id");
  // Removes only this config from the list as stored now, so a config created meanwhile is kept.
  const { changed } = await call.services.calls.updateTaskData<PushConfig[]>(
    call.caller,
    task.id,
    PUSH_DATA,
    (current) => (current?.some((c) => c.id === id) ? current.filter((c) => c.id !== id) : undefined),
  );
  if (!changed)
    throw new A2aError("InvalidParams", "push_config_not_found", `Task ${task.id} has no push config ${id}.`);
  return {};
}

/**
 * A message that answers a permission prompt: a data part `{"decision":"allow"|"deny", "updated_input"?,
 * "message"?}`, or text that starts with allow / yes / approve (allow) or deny / no (deny); the rest of the text
 * goes to the model as the note. Anything else is refused with a message saying what to send.
 */
export function promptAnswerOf(promptId: string, text: string): PromptAnswer {
  const trimmed = text.trim();
  let data: Partial<PromptAnswer> | null = null;
  try {
    data = JSON.parse(trimmed) as Partial<PromptAnswer>;
  } catch {
    // Not JSON: read it as words.
  }
  if (data && (data.decision === "allow" || data.decision === "deny"))
    return checkedAnswer({ ...data, prompt_id: promptId, decision: data.decision });
  const match = /^(allow|yes|approve|deny|no)\b[\s:,.-]*(.*)$/is.exec(trimmed);
  if (!match) {
    throw a2aErrors.invalidParams(
      'This task waits for a permission answer: send "allow" or "deny" (optionally followed by a note), or a data part {"decision":"allow"|"deny"}.',
    );
  }
  const decision = /^(allow|yes|approve)$/i.test(match[1]!) ? "allow" : "deny";
  return checkedAnswer({ prompt_id: promptId, decision, ...(match[2] ? { message: match[2] } : {}) });
}

/**
 * The answer as the protocol's `PromptAnswer`: its own fields only, checked. Anything else the caller's object
 * holds (`type`, `id` …) would otherwise ride into the `input` frame sent to the agent, turning it into another
 * frame or aiming it at another request; a wrong `updated_input` or an over-long `message` would break the frame.
 */
function checkedAnswer(answer: Record<string, unknown>): PromptAnswer {
  const parsed = v.safeParse(PromptAnswer, answer);
  if (parsed.success) return parsed.output;
  throw a2aErrors.invalidParams(
    `The permission answer is malformed (${describeIssue(parsed.issues[0], "answer")}). Send {"decision":"allow"|"deny"} with an optional "message" (up to 4096 characters) and "updated_input" (an object).`,
  );
}

function lateAnswerOf(promptId: string, text: string): PromptAnswer | null {
  try {
    return promptAnswerOf(promptId, text);
  } catch {
    return null;
  }
}

/**
 * The task once the store shows this prompt open, or null if it never does within a second: a replayed prompt
 * the caller already answered is not an interruption (the runner records a fresh one within milliseconds).
 */
async function promptStillOpen(call: A2aCall, taskId: string, promptId: string): Promise<TaskRecord | null> {
  for (let waited = 0; waited < 1000; waited += 50) {
    const task = await call.services.calls.getTask(call.caller, taskId).catch(() => null);
    if (task?.status !== "working") return null;
    if (task.prompt?.prompt_id === promptId) return task;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}
