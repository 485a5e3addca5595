/**
 * One interface for every agent runtime the connector can drive (exec, echo, claude, codex, gemini).
 * One file per adapter in this folder; each is a small profile: how to check it is installed, how to spawn it,
 * how to turn its output into chunks.
 * @module
 */
import type { ChunkKind } from "../../../gateway/src/protocol/index.ts";

export interface AgentChunk {
  kind: ChunkKind;
  delta: string;
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
}

export interface AgentRunResult {
  /** Final text of the turn. */
  result: string;
  /** The runtime's conversation id to resume next time. */
  resumeId?: string;
}

/** Raised by an adapter for a failure the caller should see with a stable code. */
export class AgentRunError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface AgentAdapter {
  /** `exec`, `echo`, `claude`, `codex` or `gemini`. */
  readonly type: string;
  /** Resolves when the runtime can run here; rejects with an AgentRunError (`adapter_missing`) saying what to install. */
  check(): Promise<void>;
  /** Runs one turn, calling `emit` for every chunk as it arrives. Rejects with AgentRunError on failure. */
  run(request: AgentRunRequest, emit: (chunk: AgentChunk) => void): Promise<AgentRunResult>;
}
