/**
 * Types shared by everything that relays: where an agent's socket lives (`AgentHub`), what a relayed call looks
 * like, and where its output goes (`RelaySink`).
 * @module
 */
import type { ChunkKind, DoneFrame, PromptAnswer } from "../protocol/index.ts";

/** The two operations the relay needs from a WebSocket, whatever runtime accepted it. */
export interface WireSocket {
  send(data: string): void;
  close(code: number, reason: string): void;
  /**
   * Bytes sent and not yet taken by the peer (Node's `ws`, Deno), which those runtimes hold without bound; absent
   * where the runtime bounds it itself (Bun closes the socket past `backpressureLimit`) or cannot tell (workerd).
   */
  readonly bufferedAmount?: number;
}

/** One message on its way to an agent, after auth, lookup and validation. */
export interface RelayCall {
  requestId: string;
  agentId: string;
  agentName: string;
  /** The calling user. */
  user: string;
  /** The agent whose credential made the call (an agent calling another); only it and its user's tokens reach the call. */
  fromAgent?: string;
  sessionId: string;
  clientId: string;
  message: string;
  /** Public origin the caller used (for absolute attachment URLs). */
  origin?: string;
  /** Agents whose requests led to this call, ending with this agent (see `RequestFrame.chain`). */
  chain?: string[];
  /**
   * False when no caller can ever come back to this call: its caller waits for one answer and was never told the
   * request id (a `/v1` JSON call, MCP `ask_agent`), so its ending is not kept for the resume window.
   */
  resumable?: boolean;
  /**
   * Bounds the whole call (a caller waiting for one answer); the hub's sweep ends it with `agent_timeout` and
   * cancels it on the agent. Without it a live call ends only after `syncTimeoutMs` without a frame (streams).
   */
  timeoutMs?: number;
  /**
   * A task's delivery: its count of starts when this one began. A delivery starts again from seq 1, so a cluster
   * logs each one apart (`logIdOf`).
   */
  attempt?: number;
}

/**
 * Who follows, cancels or answers a running request: a user's own tokens reach all of the user's requests; an agent
 * credential (`fromAgent`, a ticket's, living on the agent's machine) only the live calls it made, since request ids
 * are unique, not secret.
 */
export interface CallOwner {
  user: string;
  fromAgent?: string;
}

/** Whether `who` may reach a running call (`RelayCall` carries its own owner: `user` and `fromAgent`). */
export function mayReach(who: CallOwner, call: CallOwner): boolean {
  return who.user === call.user && (who.fromAgent === undefined || who.fromAgent === call.fromAgent);
}

/** Receives a request's output. Exactly one of `done` / `error` is called, once, and nothing after it. */
export interface RelaySink {
  chunk(seq: number, kind: ChunkKind, delta: string): void;
  done(frame: DoneFrame): void;
  error(code: string, message: string): void;
  /**
   * The chunks after `afterSeq` and before `nextSeq` never reached the gateway: the agent's connector no longer had
   * them when its link came back (it keeps a bounded tail). Told before the chunk (or ending) of `nextSeq`; the
   * ending's result is whole all the same. A sink that only wants the ending can leave it out.
   */
  gap?(afterSeq: number, nextSeq: number): void;
  /** Called while the agent is silent, so streams can send a keepalive. */
  keepalive?(): void;
  /**
   * A task's delivery ended without an outcome (it went back to the queue, or another node runs it now): told to
   * owners that want to know (a cluster's log of this delivery tells its followers on other nodes), never to callers,
   * who get `task_requeued`.
   */
  requeued?(): void;
}

/** "ended": the request was already over (the sink got its rest and ending at once). */
export type AttachOutcome = "attached" | "ended" | "gap" | "not_found";

/** How a caller waits: a live stream/sync call or a durable task. */
export type RelayMode = "live" | "task";

/**
 * Where agents' sockets live. In one process (Bun, Deno, Node) this is the local home itself; on Workers each
 * agent's socket lives in its own Durable Object and the hub forwards to it; across Redis-connected nodes the hub
 * will forward to the node that holds the socket.
 */
/** What became of a caller's answer to a permission prompt (see `AgentHub.answer`). */
export type PromptAnswerOutcome = "sent" | "not_found" | "withdrawn" | "unsupported";

export interface AgentHub {
  /** Which of these agents have a live socket right now. */
  isOnline(agentIds: string[]): Promise<Map<string, boolean>>;
  /** Sends a live call. Throws `agent_offline` / `agent_busy` ApiErrors when it cannot start. */
  dispatch(call: RelayCall, sink: RelaySink): Promise<void>;
  /**
   * Adds a caller to a running request (a live call or a delivered task) it may reach (`mayReach`): the sink gets every
   * chunk after `afterSeq`, then follows live. A live call that ended while its caller was away is still found
   * for the resume window. "gap": the chunks it asks for are no longer kept; "not_found": no such request here.
   */
  attach(
    agentId: string,
    requestId: string,
    follower: CallOwner & { afterSeq: number },
    sink: RelaySink,
  ): Promise<AttachOutcome>;
  /**
   * A caller stops following (its connection dropped). A live call left with no caller keeps running for the
   * resume window, then is canceled; a task runs on regardless.
   */
  release(agentId: string, requestId: string, sink: RelaySink): Promise<void>;
  /**
   * Passes a caller's answer to a permission prompt of its running request to the agent. "not_found": no such
   * request of `who`'s here (`mayReach`), or no such open prompt; "withdrawn": the agent already decided that prompt by itself
   * (its timeout); "unsupported": the agent's connector predates prompts. `ofTask`: the answer is to a task's
   * prompt, already checked against the task's record (a hub that does not hold the request need not check it again).
   */
  answer(
    agentId: string,
    requestId: string,
    who: CallOwner,
    answer: PromptAnswer,
    options?: { ofTask?: boolean },
  ): Promise<PromptAnswerOutcome>;
  /** Stops a live call or a delivered task (sends `cancel` to the agent). */
  cancel(agentId: string, requestId: string): Promise<void>;
  /** Tells the agent's home that a task was queued (delivers it now when the agent is online). */
  taskQueued(agentId: string, taskId: string): Promise<void>;
  /** Closes every socket authenticated with this token or a credential issued under it. */
  disconnectToken(tokenId: string): Promise<void>;
  /** Closes the agent's socket (deleted agent). */
  disconnectAgent(agentId: string): Promise<void>;
}
