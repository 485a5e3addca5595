/**
 * Our task model as A2A v1.0 ProtoJSON (camelCase fields, enum names): a mesh task IS the A2A task. Its session
 * is the A2A `contextId`; each turn's user message and the agent's answer become history messages; a finished
 * turn's result is the `result` artifact (attachments as `url` parts).
 */

import { A2A_TASK_STATE, shownStatus, type TaskRecord } from "../../domain/tasks.ts";
import {
  type ChunkKind,
  type PermissionPrompt,
  type PromptWithdrawal,
  readPermissionDelta,
} from "../../protocol/index.ts";
import { extended } from "../../util/extended.ts";

export type Part =
  | { text: string; mediaType?: string }
  | { url: string; filename?: string; mediaType?: string };

export interface WireMessage {
  messageId: string;
  role: "ROLE_USER" | "ROLE_AGENT";
  parts: Part[];
  contextId: string;
  taskId: string;
  metadata?: Record<string, unknown>;
}

/** What the A2A door keeps in `task.extensions.a2a`. */
export interface A2aExtension {
  /** The client's messageId of each turn's user message, by turn (1-based as strings). */
  messageIds?: Record<string, string>;
}

function extensionOf(task: TaskRecord): A2aExtension {
  return (task.extensions?.a2a as A2aExtension | undefined) ?? {};
}

/** The id of the `result` artifact of a turn: one artifact per turn, so later turns never overwrite earlier ones. */
export function artifactIdOf(task: Pick<TaskRecord, "turn">): string {
  return `result-${task.turn ?? 1}`;
}

export function agentMessage(task: TaskRecord, text: string, suffix = ""): WireMessage {
  return {
    messageId: `${task.id}~a${task.turn ?? 1}${suffix}`,
    role: "ROLE_AGENT",
    parts: [{ text }],
    contextId: task.session_id,
    taskId: task.id,
  };
}

/** Every message of the task, oldest first: earlier turns, then this turn's question and (if any) its answer. */
function historyOf(task: TaskRecord): WireMessage[] {
  const ids = extensionOf(task).messageIds ?? {};
  const messages: WireMessage[] = [];
  let turn = 1;
  const user = (text: string, n: number): WireMessage => ({
    messageId: ids[String(n)] ?? `${task.id}~u${n}`,
    role: "ROLE_USER",
    parts: [{ text }],
    contextId: task.session_id,
    taskId: task.id,
  });
  for (const entry of task.history ?? []) {
    if (entry.role === "user") messages.push(user(entry.text, turn));
    else messages.push(extended(agentMessage(task, entry.text), { messageId: `${task.id}~a${turn++}` }));
  }
  messages.push(user(task.message, task.turn ?? 1));
  if (task.status === "input-required" && task.result !== undefined)
    messages.push(agentMessage(task, task.result));
  return messages;
}

export function statusOf(task: TaskRecord) {
  const status: { state: string; timestamp: string; message?: WireMessage } = {
    // A running turn that waits on a permission prompt is INPUT_REQUIRED; answer it with "allow" or "deny".
    state: A2A_TASK_STATE[shownStatus(task)],
    timestamp: task.updated_at,
  };
  if (task.status === "working" && task.prompt) {
    const { tool, summary } = task.prompt;
    status.message = {
      ...agentMessage(
        task,
        `Permission needed: ${summary ?? tool}. Reply "allow" or "deny" (with an optional note).`,
        "p",
      ),
      metadata: { kind: "permission", prompt: task.prompt },
    };
  } else if (task.status === "working" && task.withdrawn_prompt) {
    // The last prompt went unanswered and was denied: say so until the turn ends or asks again.
    status.message = {
      ...agentMessage(task, withdrawalText(task.withdrawn_prompt), "w"),
      metadata: { kind: "permission", withdrawal: task.withdrawn_prompt },
    };
  }
  if (task.status === "input-required" && task.result !== undefined)
    status.message = agentMessage(task, task.result);
  if ((task.status === "failed" || task.status === "canceled") && task.error)
    status.message = {
      ...agentMessage(task, task.error.message, "e"),
      metadata: { code: task.error.code },
    };
  return status;
}

export function resultArtifact(task: TaskRecord) {
  const parts: Part[] = [];
  if (task.result) parts.push({ text: task.result });
  for (const file of task.attachments ?? []) parts.push({ url: file.url, filename: file.name });
  return parts.length > 0 ? { artifactId: artifactIdOf(task), name: "result", parts } : null;
}

/**
 * The A2A Task. `historyLength` keeps only the last N messages (0: none; absent: all). Artifacts: the result of
 * the current turn once it completed.
 */
export function taskToWire(task: TaskRecord, options: { historyLength?: number; artifacts?: boolean } = {}) {
  let history = historyOf(task);
  if (options.historyLength !== undefined)
    history = options.historyLength === 0 ? [] : history.slice(-options.historyLength);
  const artifact = task.status === "completed" ? resultArtifact(task) : null;
  const wire: Record<string, unknown> = {
    id: task.id,
    contextId: task.session_id,
    status: statusOf(task),
    artifacts: artifact && options.artifacts !== false ? [artifact] : [],
    history,
    metadata: { agentId: task.agent_id, agentName: task.agent_name, turn: task.turn ?? 1 },
  };
  return wire;
}

// --- stream events (each one `StreamResponse`) ---

export function statusEvent(task: TaskRecord, status = statusOf(task)) {
  return { statusUpdate: { taskId: task.id, contextId: task.session_id, status } };
}

/** A progress chunk that is not answer text (thinking, tool use, status lines): a WORKING status with a message. */
export function progressEvent(task: TaskRecord, seq: number, kind: ChunkKind, delta: string) {
  const withdrawal = kind === "permission" ? withdrawalOf(delta) : null;
  if (withdrawal) {
    // The agent stopped waiting (no answer in time) and denied by itself: the turn goes on, WORKING again.
    return statusEvent(task, {
      state: "TASK_STATE_WORKING",
      timestamp: new Date().toISOString(),
      message: {
        ...agentMessage(task, withdrawalText(withdrawal), `-${seq}`),
        metadata: { kind, withdrawal },
      },
    });
  }
  if (kind === "permission") {
    // The agent waits for the caller: INPUT_REQUIRED, answered by a message on this task ("allow" / "deny").
    const prompt = promptOf(delta);
    return statusEvent(task, {
      state: "TASK_STATE_INPUT_REQUIRED",
      timestamp: new Date().toISOString(),
      message: {
        ...agentMessage(
          task,
          `Permission needed: ${prompt?.summary ?? prompt?.tool ?? "a tool use"}. Reply "allow" or "deny".`,
          `-${seq}`,
        ),
        metadata: { kind, prompt },
      },
    });
  }
  return statusEvent(task, {
    state: "TASK_STATE_WORKING",
    timestamp: new Date().toISOString(),
    message: extended(agentMessage(task, delta, `-${seq}`), { metadata: { kind } }),
  });
}

/**
 * The `artifactUpdate` of each answer-text chunk, as JSON text. Everything but the text is the same for every
 * chunk of a turn, so it is serialized once (streams carry tens of thousands of chunks).
 */
export function textChunkEncoder(task: TaskRecord) {
  const head = JSON.stringify({
    taskId: task.id,
    contextId: task.session_id,
    artifact: { artifactId: artifactIdOf(task), parts: [] },
  }).slice(0, -3); // up to the `[` of parts: `…"parts":[`
  const prefix = `{"artifactUpdate":${head}{"text":`;
  // ProtoJSON leaves out default values: `append: false` and `lastChunk: false` are not written.
  return {
    json: (delta: string, first: boolean) =>
      `${prefix}${JSON.stringify(delta)}}]}${first ? "" : ',"append":true'}}}`,
  };
}

/**
 * Closes the result artifact. When the streamed text is the whole result (after a replay: its end) only
 * attachments (if any) are appended; otherwise (the agent's final answer differs from what it streamed) the
 * artifact is replaced by the result.
 */
export function lastChunkEvent(task: TaskRecord, streamed: string, anyStreamed: boolean, replayed = false) {
  const artifact = resultArtifact(task);
  if (!artifact) return null;
  const result = task.result ?? "";
  const replace = !anyStreamed || (replayed ? !result.endsWith(streamed) : streamed !== result);
  const parts = replace ? artifact.parts : artifact.parts.filter((part) => !("text" in part));
  return {
    artifactUpdate: {
      taskId: task.id,
      contextId: task.session_id,
      artifact: { ...artifact, parts: parts.length > 0 ? parts : [{ text: "" }] },
      append: !replace,
      lastChunk: true,
    },
  };
}

/** The prompt a `permission` chunk carries, or null when it is not one anyone can answer. */
export function promptOf(delta: string): PermissionPrompt | null {
  const read = readPermissionDelta(delta);
  return read && "prompt" in read ? read.prompt : null;
}

/** The withdrawal a `permission` chunk carries (the agent decided the prompt by itself), or null. */
function withdrawalOf(delta: string): PromptWithdrawal | null {
  const read = readPermissionDelta(delta);
  return read && "withdrawal" in read ? read.withdrawal : null;
}

function withdrawalText(withdrawal: PromptWithdrawal): string {
  return (
    withdrawal.message ??
    `No answer to permission prompt ${withdrawal.prompt_id} in time: the agent denied the tool use by itself.`
  );
}
