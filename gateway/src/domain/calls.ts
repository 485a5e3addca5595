/**
 * The one place every door (`/v1`, A2A, MCP, share links, the web UI) starts, follows and stops work. A door
 * translates its protocol to these calls and back; it never touches sockets or the store itself, so a call is
 * the same call whichever door it came through: same sessions, tasks, limits and permissions.
 *
 * @example
 * const agent = await calls.resolveAgent(caller, "reviewer");
 * const task = await calls.startTask(caller, agent, { message: "hi" });
 * const follow = calls.followTask(caller, task, 0, { chunk: …, end: (final) => … });
 */
import type { GatewayConfig } from "../config.ts";
import { ApiError, PersonsSession } from "../errors.ts";
import { createSyncSink, type SyncOutcome } from "../relay/caller-sinks.ts";
import type { AgentHub, RelayCall, RelaySink } from "../relay/types.ts";
import type { SessionStore } from "../session-stores/types.ts";
import { randomHex } from "../util/crypto.ts";
import { extended } from "../util/extended.ts";
import type { AgentRecord, AgentService } from "./agents.ts";
import { extendChain } from "./call-chain.ts";
import { agentMaySee, type Caller, callOwner } from "./caller.ts";
import { type SignalSource, watchCallersTogether, watchEachCaller } from "./caller-watch.ts";
import type { InboxService, Sender } from "./inbox.ts";
import { createPromptAnswering } from "./prompt-answers.ts";
import { createSessionClaims } from "./session-claims.ts";
import { createSessionTaskOffers } from "./session-task-offers.ts";
import { createTaskFollowing } from "./task-following.ts";
import { createTaskHandoff } from "./task-handoff.ts";
import { isTerminal, requestIdOf, type TaskListFilter, type TaskRecord, type TaskService } from "./tasks.ts";

/** A call whose caller waits for the answer (`ask`) watches for the caller leaving from this age on (caller-watch.ts). */
const ASK_LISTENS_AFTER_MS = 200;

export interface StartInput {
  message: string;
  /** The calling agents' chain from `X-Agent-Mesh-Chain` (see `chainFrom`); empty for a person's call. */
  chain?: string[];
  sessionId?: string;
  origin?: string;
  callbackUrl?: string;
  extensions?: Record<string, unknown>;
  /**
   * Return only once the task was handed to its agent (or found it offline), so a caller about to follow it finds
   * it running instead of polling for the start (on Workers the hand-off happens in another isolate).
   */
  awaitHandoff?: boolean;
}

/**
 * How an agent takes work right now: `served` (a connector runs each request), `interactive` (a person's
 * session reads its inbox), or `offline`.
 */
export type Reachability = "served" | "interactive" | "offline";

export interface CallServiceDeps {
  config: GatewayConfig;
  store: SessionStore;
  agents: AgentService;
  tasks: TaskService;
  inbox: InboxService;
  hub: AgentHub;
  clientId(user: string, agentId: string): string | Promise<string>;
  onError(error: unknown, context: { stage: string }): void;
  /** Tells the gateway's task-change listeners (push notifications, followers) about a state this service saved. */
  notifyTaskChange?(task: TaskRecord): void;
  /** This process lives between requests (not Workers): one interval watches every ask's caller (caller-watch.ts). */
  livesBetweenRequests?: boolean;
  /**
   * Who a task its owner queued is from when offered to a person's session; null: not offered (a share link's
   * only if made so). Default: the owner.
   */
  taskSender?(owner: string): Promise<Sender | null>;
}

const taskNotFound = (id: string) => new ApiError(404, "task_not_found", `No task ${id} of yours.`);
export function createCallService(deps: CallServiceDeps) {
  const { tasks, hub, config } = deps;
  const claimSession = createSessionClaims(deps);
  const queued = createTaskHandoff(deps);
  const watchCaller = deps.livesBetweenRequests
    ? watchCallersTogether(ASK_LISTENS_AFTER_MS)
    : watchEachCaller(ASK_LISTENS_AFTER_MS);
  const answerPrompt = createPromptAnswering({ hub, tasks, getTask });
  const offers = createSessionTaskOffers({
    tasks,
    inbox: deps.inbox,
    hub,
    senderOf: deps.taskSender,
    onError: deps.onError,
  });
  const following = createTaskFollowing({
    tasks,
    hub,
    keepaliveMs: config.keepaliveMs,
    onError: deps.onError,
  });

  /** Queues a durable task; the agent gets it now if connected, else when it connects. */
  async function startTask(caller: Caller, agent: AgentRecord, input: StartInput): Promise<TaskRecord> {
    const chain = extendChain(input.chain, agent);
    const sessionId = await claimSession(caller, agent, input.sessionId);
    const task = await tasks.create({
      agent_id: agent.id,
      agent_name: agent.name,
      owner: caller.user,
      // Not written for a user token's task (undefined is left out of the stored JSON).
      from_agent: caller.kind === "agent" ? caller.agentId : undefined,
      session_id: sessionId,
      client_id: await deps.clientId(caller.user, agent.id),
      message: input.message,
      callback_url: input.callbackUrl,
      origin: input.origin,
      extensions: input.extensions,
      chain,
    });
    const handoff = queued(task);
    if (input.awaitHandoff) await handoff;
    return task;
  }

  /** Answers an input-required task: its next turn runs with this message, in the same session. */
  async function continueTask(
    caller: Caller,
    id: string,
    message: string,
    extensions?: Record<string, unknown>,
    options: { awaitHandoff?: boolean } = {},
  ): Promise<TaskRecord> {
    await getTask(caller, id); // 404 unless it is the caller's
    // One atomic step: a turn can be continued once, and never while it runs or after it was canceled.
    const { task: next, changed } = await tasks.update(id, (task) => {
      if (task.status !== "input-required") return null;
      const turn = tasks.nextTurn(task, message);
      // A door's data for the new turn (e.g. the A2A message id), merged over what the task already held.
      if (extensions) turn.extensions = extended(turn.extensions ?? {}, extensions);
      return turn;
    });
    if (!next) throw taskNotFound(id);
    if (!changed) {
      throw new ApiError(
        409,
        "task_not_waiting",
        `Task ${next.id} is ${next.status}, not waiting for input; send a new message instead.`,
      );
    }
    const handoff = queued(next);
    if (options.awaitHandoff) await handoff;
    return next;
  }

  /**
   * Starts a live call (stream or wait). Throws agent_offline / agent_busy when it cannot start. `resumable: false`
   * when the caller will never be told the request id (it waits for one answer): nobody can re-attach to it.
   */
  async function callLive(
    caller: Caller,
    agent: AgentRecord,
    input: Omit<StartInput, "callbackUrl" | "extensions"> & { resumable?: boolean; timeoutMs?: number },
    sink: RelaySink,
  ): Promise<RelayCall> {
    const chain = extendChain(input.chain, agent);
    const call: RelayCall = {
      requestId: nextRequestId(),
      agentId: agent.id,
      agentName: agent.name,
      user: caller.user,
      sessionId: await claimSession(caller, agent, input.sessionId),
      clientId: await deps.clientId(caller.user, agent.id),
      message: input.message,
      origin: input.origin,
      chain,
    };
    if (caller.kind === "agent") call.fromAgent = caller.agentId;
    if (input.resumable === false) call.resumable = false;
    if (input.timeoutMs !== undefined) call.timeoutMs = input.timeoutMs;
    try {
      await hub.dispatch(call, sink);
    } catch (error) {
      // Online as a person's session, which no live call reaches: the door may ask it through its inbox instead.
      if (
        error instanceof ApiError &&
        error.code === "agent_offline" &&
        (await deps.inbox.present([agent.id])).has(agent.id)
      )
        throw new PersonsSession(agent.name);
      throw error;
    }
    return call;
  }

  /**
   * A live call whose caller waits for the final answer only (a `/v1` JSON call, MCP `ask_agent`): never
   * resumable (the caller is never told its request id); `timeoutMs` bounds it as a whole, enforced by the hub's
   * sweep (`agent_timeout`, and the agent is told to cancel) rather than a timer per call; an aborted caller
   * signal (the caller left) cancels it. Chunks reach `onChunk` only.
   */
  async function ask(
    caller: Caller,
    agent: AgentRecord,
    input: Pick<StartInput, "message" | "chain" | "sessionId" | "origin"> & {
      timeoutMs: number;
      /** The caller's connection (the HTTP request): its signal says the caller left; read only for a long call. */
      connection?: SignalSource;
      onChunk?: RelaySink["chunk"];
    },
  ): Promise<{ call: RelayCall; answer: SyncOutcome }> {
    const { sink, outcome } = createSyncSink(input.onChunk);
    const { message, chain, sessionId, origin, timeoutMs } = input;
    const start = { message, chain, sessionId, origin, timeoutMs, resumable: false };
    const call = await callLive(caller, agent, start, sink);
    if (!input.connection) return { call, answer: await outcome };
    const stopWatching = watchCaller(input.connection, () => {
      hub
        .cancel(agent.id, call.requestId)
        .catch((error: unknown) => deps.onError(error, { stage: "cancel" }));
    });
    try {
      return { call, answer: await outcome };
    } finally {
      stopWatching();
    }
  }

  /** A task of the caller's, or 404 (someone else's task looks exactly like a missing one). */
  async function getTask(caller: Caller, id: string): Promise<TaskRecord> {
    const task = await tasks.get(id);
    if (!task || task.owner !== caller.user || !agentMaySee(caller, task.from_agent)) throw taskNotFound(id);
    return task;
  }

  async function listTasks(caller: Caller, filter: TaskListFilter) {
    return tasks.listOf(
      caller.user,
      caller.kind === "agent" ? extended(filter, { fromAgent: caller.agentId }) : filter,
    );
  }

  async function cancelTask(caller: Caller, id: string): Promise<TaskRecord> {
    await getTask(caller, id); // 404 unless it is the caller's
    // Atomic: an outcome another node saves at the same moment either lands first (then this is task_finished) or
    // loses to the cancel; never the cancel answered and then overwritten.
    const { task, changed } = await tasks.update(id, (task) => {
      if (isTerminal(task.status)) return null;
      task.status = "canceled";
      task.error = { code: "canceled", message: "Canceled by the caller." };
      return task;
    });
    if (!task) throw taskNotFound(id);
    if (!changed) {
      throw new ApiError(
        409,
        "task_finished",
        `Task ${task.id} already ended (${task.status}); nothing to cancel.`,
      );
    }
    deps.notifyTaskChange?.(task);
    await hub.cancel(task.agent_id, requestIdOf(task));
    return task;
  }

  /** How each agent takes work now; a connector wins over an interactive session of the same agent. */
  async function reachability(agentIds: string[]): Promise<Map<string, Reachability>> {
    const [served, interactive] = await Promise.all([hub.isOnline(agentIds), deps.inbox.present(agentIds)]);
    return new Map(
      agentIds.map((id) => [id, served.get(id) ? "served" : interactive.has(id) ? "interactive" : "offline"]),
    );
  }

  /**
   * Stops a running live call of the caller's at once (a Stop button), instead of waiting out the resume window
   * after the stream closes. Ownership is checked by attaching a silent follower (the hub knows the call's user);
   * callers still attached get `error canceled`. False when there is no such call of theirs.
   */
  async function cancelLive(caller: Caller, agentId: string, requestId: string): Promise<boolean> {
    // An ending kept for the resume window is replayed to the follower at once: that call is over, not running.
    let ended = false;
    const silent: RelaySink = {
      chunk() {},
      done: () => {
        ended = true;
      },
      error: () => {
        ended = true;
      },
    };
    // From the start, so a hub that can only tell from the history (a cluster's log) sees the ending too; a
    // history too long to replay still lets the follower attach from now on.
    const follow = (afterSeq: number) =>
      hub.attach(agentId, requestId, extended(callOwner(caller), { afterSeq }), silent);
    let outcome = await follow(0);
    if (outcome === "gap") outcome = await follow(2 ** 31);
    if (outcome !== "attached" || ended) return false; // "ended": nothing left to stop
    try {
      await hub.cancel(agentId, requestId);
    } finally {
      await hub.release(agentId, requestId, silent);
    }
    return true;
  }

  /** Door data kept beside one of the caller's tasks (404 for anyone else's). */
  async function taskData<T>(caller: Caller, id: string, name: string): Promise<T | null> {
    await getTask(caller, id);
    return tasks.data<T>(id, name);
  }

  /** Changes door data of one of the caller's tasks in one compare-and-set step (see `TaskService.updateData`). */
  async function updateTaskData<T>(
    caller: Caller,
    id: string,
    name: string,
    change: (current: T | null) => T | undefined,
  ): Promise<{ value: T | null; changed: boolean }> {
    await getTask(caller, id);
    return tasks.updateData(id, name, change);
  }

  return {
    reachability,
    resolveAgent: (caller: Caller, ref: string) => deps.agents.resolve(caller, ref),
    /** A task's state was saved in this process: its followers here look again now. */
    taskChanged: following.changed,
    taskData,
    updateTaskData,
    claimSession,
    startTask,
    continueTask,
    callLive,
    ask,
    /** Offers the agent's queued tasks to its person's session (session-task-offers.ts). */
    offerTasksToSession: offers.offer,
    getTask,
    listTasks,
    cancelTask,
    answerPrompt,
    followTask: following.follow,
    /** Follows a live call of the caller's after a dropped connection (see `AgentHub.attach`). */
    followLive: (caller: Caller, agentId: string, requestId: string, afterSeq: number, sink: RelaySink) =>
      hub.attach(agentId, requestId, extended(callOwner(caller), { afterSeq }), sink),
    release: (agentId: string, requestId: string, sink: RelaySink) => hub.release(agentId, requestId, sink),
    cancelLive,
    /**
     * Runs `onLeft` if the caller of a request that waits for a task goes away (another door's blocking wait, as
     * A2A SendMessage): the request's signal is read only once the wait is old enough (see caller-watch.ts).
     * Returns the function that stops watching.
     */
    watchCaller: (connection: SignalSource, onLeft: () => void) => watchCaller(connection, onLeft),
  };
}

export type CallService = ReturnType<typeof createCallService>;

/**
 * Request ids only need to be unique, not secret (every route that uses one checks who asks), so a random
 * per-process prefix and a counter do, without drawing random bytes on every call.
 */
let requestIdPrefix: string | undefined;
let requestCounter = 0;
export function nextRequestId(): string {
  // Drawn on first use, not at import: Workers forbid randomness in global scope.
  requestIdPrefix ??= `rq_${randomHex(8)}`;
  requestCounter += 1;
  return `${requestIdPrefix}${requestCounter.toString(36)}`;
}
