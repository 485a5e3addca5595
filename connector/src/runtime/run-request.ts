/**
 * Runs one gateway request against the local agent: queue slot → caller workspace → stored resume id →
 * adapter.run → files the agent wrote → result. This is the boundary between the protocol client (WebSocket,
 * frames, seq numbers, uploads) and the agent runtime (processes, workspaces, sessions).
 *
 * Contract for the caller (the protocol client):
 *   const runtime = createAgentRuntime({ agent: "my-agent", adapter: createAdapter("claude", {...}), projectDir });
 *   await runAgentRequest(runtime, { id, session_id, client_id, message }, { onChunk, onDone, onError }, signal);
 *
 * - Exactly one of `onDone` / `onError` is called, exactly once; no `onChunk` follows it. The returned promise
 *   resolves after that call and after the agent process is gone; it never rejects.
 * - `onChunk(kind, delta)` streams in order as the agent produces output (`text`, `thinking`, `tool_start`,
 *   `tool_result`, `status`). `tool_start` / `tool_result` deltas are JSON: `{id, name, input}` and
 *   `{id, output, is_error}`. `status` deltas are human-readable notices (e.g. files not attached).
 * - `onDone(result, attachments)` gets the final text and the files the agent created or changed in the
 *   caller's workspace during this request (`{path, size, bytes}`, path relative to the workspace). Uploading
 *   them (and turning them into protocol attachments) is the caller's job; `onDone` may return a promise, which
 *   is awaited before `runAgentRequest` resolves.
 * - `onError(code, message)`: `invalid_client_id`, `agent_busy` (wait queue full), `canceled` (signal aborted,
 *   queued or running), `agent_timeout` (no output for the idle timeout), `adapter_missing`, `adapter_failed`
 *   (crash / non-zero exit), `agent_error` (the runtime reported a failed turn, e.g. a model API error).
 * - `signal` aborts the request: removed from the queue if waiting, process group killed if running.
 * - Requests with the same (client_id, session_id) run one at a time in arrival order; `runtime.maxInflight`
 *   (running + queued) is what to announce to the gateway as `max_inflight`.
 * @module
 */
import type { ChunkKind, PermissionPrompt, PromptAnswer } from "../../../gateway/src/protocol/index.ts";
import {
  type AgentAdapter,
  type AgentChunk,
  AgentRunError,
  type AgentRunResult,
  type PromptWithdrawFn,
} from "../agents/types.ts";
import { ResumeStore } from "../sessions/resume-store.ts";
import { assertClientId } from "../workspace/client-id.ts";
import {
  type AttachmentLimits,
  diffSnapshots,
  readChangedFiles,
  snapshot,
  type WorkspaceFile,
} from "../workspace/snapshot.ts";
import { WorkspaceCache } from "../workspace/workspace-cache.ts";
import { type QueueOptions, RequestQueue } from "./queue.ts";

export interface AgentRequest {
  id: string;
  session_id: string;
  client_id: string;
  message: string;
  /** Agents whose requests led here (see the protocol's `RequestFrame.chain`). */
  chain?: string[];
}

export interface AgentRequestCallbacks {
  onChunk(kind: ChunkKind, delta: string): void;
  onDone(result: string, attachments: WorkspaceFile[]): void | Promise<void>;
  onError(code: string, message: string): void | Promise<void>;
  /** Asks the caller for permission (the protocol client's `reply.ask`); adapters that relay prompts use it. */
  onPermission?(prompt: PermissionPrompt): Promise<PromptAnswer>;
  /** Closes a prompt the adapter decided by itself (no answer in time); the protocol client's `reply.withdraw`. */
  onPermissionWithdrawn?: PromptWithdrawFn;
}

export interface AgentRuntimeOptions extends QueueOptions {
  /** Agent name or id: part of the resume-store key, so two agents sharing a project never mix conversations. */
  agent: string;
  adapter: AgentAdapter;
  /** The project the agent works on; workspaces and state live under `<projectDir>/.agent-mesh/`. */
  projectDir: string;
  attachmentLimits?: Partial<AttachmentLimits>;
  /** Extra environment for every run. */
  env?: Record<string, string>;
}

export interface AgentRuntime {
  readonly agent: string;
  readonly adapter: AgentAdapter;
  readonly projectDir: string;
  readonly queue: RequestQueue;
  readonly resumes: ResumeStore;
  /** Caller workspaces, prepared once and refreshed when the project's or the workspace's top level changes. */
  readonly workspaces: WorkspaceCache;
  readonly attachmentLimits: Partial<AttachmentLimits>;
  readonly env: Record<string, string> | undefined;
  /** Running + queued requests this runtime accepts. */
  readonly maxInflight: number;
}

/** Protocol error frames carry at most this much message. */
const MAX_ERROR_MESSAGE = 4_000;

export function createAgentRuntime(options: AgentRuntimeOptions): AgentRuntime {
  const queue = new RequestQueue(options);
  return {
    agent: options.agent,
    adapter: options.adapter,
    projectDir: options.projectDir,
    queue,
    resumes: new ResumeStore(options.projectDir),
    workspaces: new WorkspaceCache(options.projectDir),
    attachmentLimits: options.attachmentLimits ?? {},
    env: options.env,
    maxInflight: queue.maxConcurrent + queue.maxQueued,
  };
}

export async function runAgentRequest(
  runtime: AgentRuntime,
  request: AgentRequest,
  callbacks: AgentRequestCallbacks,
  signal: AbortSignal = new AbortController().signal,
): Promise<void> {
  let finished = false;
  const onChunk = (chunk: AgentChunk) => {
    if (!finished) callbacks.onChunk(chunk.kind, chunk.delta);
  };
  try {
    assertClientId(request.client_id);
    const sessionKey = JSON.stringify([request.client_id, request.session_id]);
    const { result, attachments } = await runtime.queue.run(sessionKey, signal, () =>
      runInWorkspace(runtime, request, signal, onChunk, callbacks),
    );
    finished = true;
    await callbacks.onDone(result, attachments);
  } catch (error) {
    if (finished) return; // onDone itself failed: the caller's problem, and no second verdict
    finished = true;
    const code = error instanceof AgentRunError ? error.code : "adapter_failed";
    const message = error instanceof Error ? error.message : String(error);
    await callbacks.onError(code, message.slice(0, MAX_ERROR_MESSAGE));
  }
}

async function runInWorkspace(
  runtime: AgentRuntime,
  request: AgentRequest,
  signal: AbortSignal,
  emit: (chunk: AgentChunk) => void,
  prompts: Pick<AgentRequestCallbacks, "onPermission" | "onPermissionWithdrawn">,
): Promise<{ result: string; attachments: WorkspaceFile[] }> {
  // An adapter that cannot write files can neither change its workspace nor leave attachments: no workspace
  // check, no snapshots, no directory walks.
  const writes = runtime.adapter.writesFiles !== false;
  const cwd = await runtime.workspaces.workspace(request.client_id, writes);
  const key = { agent: runtime.agent, clientId: request.client_id, sessionId: request.session_id };
  const before = writes ? await snapshot(cwd, runtime.attachmentLimits) : undefined;
  const run = (resumeId: string | undefined): Promise<AgentRunResult> =>
    runtime.adapter.run(
      {
        requestId: request.id,
        message: request.message,
        sessionId: request.session_id,
        clientId: request.client_id,
        cwd,
        resumeId,
        signal,
        ask: prompts.onPermission,
        withdraw: prompts.onPermissionWithdrawn,
        // Calls this agent makes (through `agent-mesh mcp`) carry the chain on, so the gateway can stop loops.
        env: request.chain?.length
          ? { ...runtime.env, AGENT_MESH_CHAIN: request.chain.join(",") }
          : runtime.env,
      },
      emit,
    );
  const resumeId = await runtime.resumes.get(key);
  let outcome: AgentRunResult;
  try {
    outcome = await run(resumeId);
  } catch (error) {
    // The runtime lost the conversation (its own store was wiped): say so, then start a new one once.
    if (!(error instanceof AgentRunError && error.code === "resume_not_found" && resumeId)) throw error;
    await runtime.resumes.delete(key);
    emit({ kind: "status", delta: "The earlier conversation could not be resumed; starting a new one." });
    outcome = await run(undefined);
  }
  if (outcome.resumeId) await runtime.resumes.set(key, outcome.resumeId);
  if (!before) return { result: outcome.result, attachments: [] };
  const changed = diffSnapshots(before, await snapshot(cwd, runtime.attachmentLimits));
  const { files, skipped } = await readChangedFiles(cwd, changed, runtime.attachmentLimits);
  for (const file of skipped) {
    emit({ kind: "status", delta: `Not attached (${file.reason}): ${file.path} (${file.size} bytes).` });
  }
  return { result: outcome.result, attachments: files };
}
