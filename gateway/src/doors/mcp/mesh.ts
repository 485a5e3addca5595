/**
 * What the mesh tools need from the mesh, whoever provides it: the gateway's call service for `{gateway}/mcp`
 * and share links (gateway-mesh.ts), or the HTTP API for a stdio `agent-mesh mcp` server on a laptop. The tools
 * (tools.ts) only speak this interface, so every MCP server offers the same tools with the same shapes.
 *
 * Methods throw `MeshError` (or any error with a `code`) for refusals a model should read and act on.
 * @module
 */
import type { AgentFilter } from "../../domain/agent-filter.ts";

export interface MeshAgent {
  name: string;
  description: string;
  capabilities: string[];
  online: boolean;
  /** Who owns it (a user name); absent where the caller should not learn it. */
  owner?: string;
}

export interface MeshAttachment {
  name: string;
  size: number;
  /** Absolute download URL. */
  url: string;
}

export interface MeshAnswer {
  agent: string;
  text: string;
  session_id: string;
  attachments: MeshAttachment[];
}

export interface MeshTask {
  task_id: string;
  agent: string;
  /** submitted, working, input-required, completed, failed, canceled */
  status: string;
  session_id: string;
  result?: string;
  error?: { code: string; message: string };
  attachments: MeshAttachment[];
  created_at: string;
  updated_at: string;
}

/** A message left in an interactive agent's inbox (instead of a task): it reads it in its own time. */
export interface MeshDelivery {
  message_id: string;
  agent: string;
  delivered: "inbox";
}

/** A message in the caller's own inbox, with the sender the gateway verified. */
export interface MeshInboxMessage {
  id: string;
  kind: "message" | "ask" | "reply";
  /** `agent (owner user)` or `user`. */
  from: string;
  /** The agent name to pass to `reply` (absent when a person without an agent wrote). */
  from_agent?: string;
  text: string;
  in_reply_to?: string;
  /** An ask that offers this task's queued turn: the reply is the task's result. */
  task_id?: string;
  created_at: string;
  deliveries: number;
}

/** Progress of a live call, reported while the agent works. */
export interface AskProgress {
  /** Chunks received so far. */
  chunks: number;
  /** The latest text or status line the agent sent, shortened. */
  latest?: string;
}

export interface AskOptions {
  sessionId?: string;
  /** Gives up (and cancels the call) after this long. */
  timeoutMs: number;
  /** Aborts the call when the MCP client goes away. */
  signal?: AbortSignal;
  onProgress?: (progress: AskProgress) => void;
}

export interface Mesh {
  /** The first `count` agents the caller may call that pass `filter`, by name, and whether more do. */
  listAgents(filter: AgentFilter, count: number): Promise<{ agents: MeshAgent[]; more: boolean }>;
  agentStatus(name: string): Promise<MeshAgent>;
  /** A live call: resolves with the agent's answer. */
  ask(to: string, message: string, options: AskOptions): Promise<MeshAnswer>;
  /**
   * A durable task (returns at once; the agent gets it now or when it connects), or, for an agent that is an
   * interactive session, a message left in its inbox.
   */
  send(to: string, message: string, options?: { sessionId?: string }): Promise<MeshTask | MeshDelivery>;
  getTask(taskId: string): Promise<MeshTask>;
  cancelTask(taskId: string): Promise<MeshTask>;
  /** The caller's own inbox; absent when the caller acts as no agent (`--as` / `X-Agent-Mesh-As`). */
  inbox?: {
    agent: string;
    check(options: {
      limit: number;
      leaseSeconds: number;
    }): Promise<{ messages: MeshInboxMessage[]; unread: number }>;
    ack(ids: string[]): Promise<{ acked: string[]; unknown: string[] }>;
    /** `undelivered`: why nobody receives the reply (the asker stopped waiting and has no inbox). */
    reply(
      to: string,
      messageId: string,
      message: string,
    ): Promise<MeshInboxMessage & { undelivered?: string }>;
  };
}

/** A refusal with a stable code; tools turn it into an `isError` result the model can read. */
export class MeshError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
