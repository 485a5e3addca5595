/**
 * One interface for every agent runtime the connector can drive (exec, echo, claude, codex, gemini).
 * One file per adapter in this folder; each is a small profile: how to check it is installed, how to spawn it,
 * how to turn its output into chunks.
 * @module
 */
import type { ChunkKind, PermissionPrompt, PromptAnswer } from "../../../gateway/src/protocol/index.ts";

export interface AgentChunk {
  readonly kind: ChunkKind;
  readonly delta: string;
}

/**
 * Stable codes an adapter or the runtime reports. `agent_error`: the runtime ran and reported a failed turn
 * (model/API error); `adapter_failed`: the process crashed or exited non-zero without a verdict;
 * `resume_not_found`: the stored conversation id is unknown to the runtime (the request runner starts afresh).
 */
export type AgentErrorCode =
  | "adapter_missing"
  | "adapter_failed"
  | "agent_error"
  | "agent_timeout"
  | "agent_busy"
  | "canceled"
  | "invalid_client_id"
  | "resume_not_found";

/** Options every process-spawning adapter takes. */
export interface ProcessAdapterOptions {
  /** Binary name looked up on PATH, or an explicit path. Defaults to the runtime's usual binary name. */
  command?: string;
  /** Extra arguments placed before the adapter's own flags. */
  args?: string[];
  /** Extra environment for every run (merged over process.env, under the request's env). */
  env?: Record<string, string>;
  /** Kill the process and fail with `agent_timeout` after this long without any output. Default 15 min. */
  idleTimeoutMs?: number;
  /** Runs every process of this adapter inside a sandbox (`connector/src/sandbox/`); absent → plain spawn. */
  processSandbox?: ProcessSandbox;
}

/** What a sandbox needs to know to confine one agent process. */
export interface SandboxLaunch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The caller's workspace (the process's cwd). */
  cwd: string;
  clientId: string;
  /** Mount the workspace read-only (how Codex's `read-only` mode is kept when ours replaces its sandbox). */
  readOnlyWorkspace?: boolean;
}

/** The same process, confined: spawn `command args` with `env`, then call `release()` once it has exited. */
export interface SandboxedLaunch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  release(): void;
}

/**
 * Confines agent processes. `wrap` rejects (with an AgentRunError) rather than ever returning an unconfined
 * launch: a process is never started unsandboxed because wrapping failed.
 */
export interface ProcessSandbox {
  wrap(launch: SandboxLaunch): Promise<SandboxedLaunch>;
}

export interface AgentRunRequest {
  /** Gateway request id (unique per message). */
  requestId: string;
  /** The caller's message. Adapters pass it on stdin, never in argv. */
  message: string;
  /** Gateway session id (one conversation of one caller). */
  sessionId: string;
  /** Opaque hex id of the caller. */
  clientId: string;
  /** Working directory: the caller's own workspace. */
  cwd: string;
  /** The runtime's own conversation id from the previous turn of this session (Claude session id, Codex thread id, Gemini session id), if any. */
  resumeId?: string;
  /** Aborted when the caller cancels or the connector stops: the adapter kills its process tree. */
  signal: AbortSignal;
  /** Extra environment for the spawned process (merged over process.env). */
  env?: Record<string, string>;
  /**
   * Asks the caller of this request for permission (the protocol client's `reply.ask`); absent when no caller
   * can be asked. Never resolves by itself: adapters race it with their own timeout.
   */
  ask?: (prompt: PermissionPrompt) => Promise<PromptAnswer>;
  /**
   * Closes a prompt the adapter decided by itself (its timeout passed: denied), so the caller's side stops showing
   * it as open and refuses a late answer. Absent when no caller can be asked.
   */
  withdraw?: PromptWithdrawFn;
}

/** Withdraws one prompt (the protocol client's `reply.withdraw`); `reason` is a snake_case code, e.g. `timeout`. */
export type PromptWithdrawFn = (withdrawal: { prompt_id: string; reason: string; message?: string }) => void;

export interface AgentRunResult {
  /** Final text of the turn. */
  result: string;
  /** The runtime's conversation id to resume next time. */
  resumeId?: string;
}

/** Raised by an adapter for a failure the caller should see with a stable code. */
export class AgentRunError extends Error {
  readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface AgentAdapter {
  /** `exec`, `echo`, `claude`, `codex` or `gemini`. */
  readonly type: string;
  /**
   * `false` when the adapter never writes files (echo): the runner then takes no before/after snapshot of the
   * workspace. Anything that runs a process may write, so the default is `true`.
   */
  readonly writesFiles?: boolean;
  /** Resolves when the runtime can run here; rejects with an AgentRunError (`adapter_missing`) saying what to install. */
  check(): Promise<void>;
  /**
   * Runs one turn, calling `emit` for every chunk as it arrives (the chunk object may be reused: copy it to keep
   * it). Rejects with AgentRunError on failure, `canceled` when `request.signal` aborts.
   */
  run(request: AgentRunRequest, emit: (chunk: AgentChunk) => void): Promise<AgentRunResult>;
}
