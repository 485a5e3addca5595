/**
 * Runs durable tasks through the relay: marks them working, turns their agent's answer into a stored result
 * (never a write per chunk), re-queues them when their agent vanishes, and POSTs the result to `callback_url`
 * (`task-callback.ts`). Every state change is one atomic `TaskService.update`, so nodes of a cluster writing the
 * same task at once never lose each other's change.
 */

import type { GatewayConfig } from "../config.ts";
import {
  isTerminal,
  requestIdOf,
  type TaskRecord,
  type TaskService,
  taskIdOfRequest,
} from "../domain/tasks.ts";
import { ApiError, storeMayTakeItLater } from "../errors.ts";
import { type DoneFrame, readPermissionDelta } from "../protocol/index.ts";
import { PendingRequest } from "./pending.ts";
import { createTaskCallback } from "./task-callback.ts";
import type { RelayCall, RelaySink } from "./types.ts";

export interface TaskRunnerOptions {
  tasks: TaskService;
  /** Gateway secret; callback signatures use a key derived from it per task. */
  secret: () => Promise<string>;
  maxAttempts: number;
  /** How long an outcome or prompt is retried while the store refuses it for now (GatewayConfig.storeRetryMs). */
  storeRetryMs: number;
  onError: (error: unknown, context: { stage: string }) => void;
  /** Retry delays for callbacks (ms). */
  callbackRetryMs?: number[];
  /**
   * Told after every state change the runner saves (working, back to submitted, ended), not awaited. Doors hang
   * their notifications here (A2A push notifications), so they fire wherever the task runs (a Durable Object too).
   */
  onTaskChange?: (task: TaskRecord) => Promise<void> | void;
}

/** Why a reply to a task's ask no longer answers the task (`answerFromInbox`). */
function notWaiting(taskId: string, task: TaskRecord | null): string {
  const why =
    task === null
      ? "it is gone"
      : task.status === "submitted"
        ? `it was offered again${task.inbox_ask ? ` (ask ${task.inbox_ask}: reply to that one)` : ""}`
        : task.status === "working"
          ? "its agent's connector took it"
          : `it already ended (${task.status})`;
  return `Task ${taskId} no longer waits for this reply: ${why}.`;
}

export function createTaskRunner(options: TaskRunnerOptions) {
  const { tasks } = options;
  const { callback, callbackKey } = createTaskCallback({
    secret: options.secret,
    retryDelaysMs: options.callbackRetryMs,
    onError: options.onError,
  });

  function callOf(task: TaskRecord): RelayCall {
    return {
      requestId: requestIdOf(task),
      agentId: task.agent_id,
      agentName: task.agent_name,
      user: task.owner,
      sessionId: task.session_id,
      clientId: task.client_id,
      message: task.message,
      origin: task.origin,
      chain: task.chain,
      attempt: task.attempts,
    };
  }

  /** The task's attempt count when each pending request was made from it (see `requeue`). */
  const attemptOf = new WeakMap<PendingRequest, number>();

  function pendingFor(task: TaskRecord, config: GatewayConfig): PendingRequest {
    const now = Date.now();
    let stored!: () => void;
    let notStored!: (error: unknown) => void;
    const outcomeStored = new Promise<void>((resolve, reject) => {
      stored = resolve;
      notStored = reject;
    });
    outcomeStored.catch(() => {}); // Saving gave up: reported by `finish`; the agent is then not acked.
    const pending = new PendingRequest(callOf(task), sinkFor(task, stored, notStored), {
      isTask: true,
      deadline: now + config.asyncTimeoutMs,
      idleTimeoutMs: null,
      now,
    });
    pending.outcomeStored = outcomeStored;
    attemptOf.set(pending, task.attempts);
    return pending;
  }

  /** `stored` runs once the outcome is in the store (the home acks the agent's final frame only then). */
  function sinkFor(task: TaskRecord, stored: () => void, notStored: (error: unknown) => void): RelaySink {
    // Prompt changes of one turn are saved in the order they came (a withdrawal never overtakes its prompt).
    let promptSaves = Promise.resolve();
    return {
      chunk(_seq, kind, delta) {
        // Progress of a task is not stored chunk by chunk; only the outcome is durable, and an open permission
        // prompt (so a caller who looks at the task sees that it waits for them) or its withdrawal, saved like the
        // outcome once a store that refuses it for now takes it.
        if (kind !== "permission") return;
        const read = readPermissionDelta(delta);
        if (!read) return;
        promptSaves = promptSaves
          .then(() => untilStoreTakes(() => promptChanged(task, read)))
          .catch((error) => options.onError(error, { stage: "task-prompt" }));
      },
      done(frame: DoneFrame) {
        finish(task, stored, notStored, (t) => {
          t.prompt = undefined;
          t.answers = undefined;
          t.status = frame.input_required ? "input-required" : "completed";
          t.result = frame.result;
          t.attachments = frame.attachments ?? [];
        });
      },
      error(code, message) {
        finish(task, stored, notStored, (t) => {
          t.prompt = undefined;
          t.answers = undefined;
          t.status = code === "canceled" ? "canceled" : "failed";
          t.error = { code, message };
        });
      },
    };
  }

  /**
   * Applies the outcome in one atomic step of the store, so a concurrent cancel (on any node) is not overwritten,
   * nor a later turn by an earlier one's ending; then calls back. `stored` runs once the store holds the outcome
   * (or never needs it): not before, so an agent whose final frame is acked can never have a node of a cluster list
   * the turn as still working (and send it again) — it keeps holding the turn until then, and a node it reconnects
   * to re-attaches it.
   */
  function finish(
    ran: TaskRecord,
    stored: () => void,
    notStored: (error: unknown) => void,
    apply: (task: TaskRecord) => void,
  ): void {
    (async () => {
      let task: TaskRecord | null;
      try {
        task = await untilStoreTakes(() =>
          changed(ran.id, (current) => {
            if (isTerminal(current.status) || requestIdOf(current) !== requestIdOf(ran)) return null;
            apply(current);
            return current;
          }),
        );
      } catch (error) {
        notStored(error);
        throw error;
      }
      stored();
      if (task?.callback_url) await callback(task);
    })().catch((error) => options.onError(error, { stage: "task-finish" }));
  }

  /**
   * Saves a prompt the turn now waits on, or takes away one its agent withdrew (decided by itself on its timeout):
   * the task is working again, and the withdrawal is kept so a late answer is told what happened.
   */
  async function promptChanged(ran: TaskRecord, read: NonNullable<ReturnType<typeof readPermissionDelta>>) {
    await changed(ran.id, (task) => {
      if (task.status !== "working" || requestIdOf(task) !== requestIdOf(ran)) return null;
      if ("prompt" in read) {
        // Replayed by a connector that took the turn up again, and answered before: not open again.
        if (task.answers?.some((answer) => answer.prompt_id === read.prompt.prompt_id)) return null;
        task.prompt = read.prompt;
      } else {
        if (task.prompt?.prompt_id !== read.withdrawal.prompt_id) return null;
        task.prompt = undefined;
        task.withdrawn_prompt = read.withdrawal;
      }
      return task;
    });
  }

  /**
   * An agent's answer is not dropped because the store blinked, was full for a moment or kept losing a race: the
   * outcome is saved once the store takes it (tried every 500 ms for up to `storeRetryMs`), so the task does
   * not have to run twice. A data folder that cannot be written is not waited for (it takes a restart, and the
   * agent replays the ending where it reconnects).
   */
  async function untilStoreTakes<T>(run: () => Promise<T>): Promise<T> {
    const giveUpAt = Date.now() + options.storeRetryMs;
    for (;;) {
      try {
        return await run();
      } catch (error) {
        if (!storeMayTakeItLater(error) || Date.now() > giveUpAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /**
   * Changes the stored task atomically (`TaskService.update`: `change` may run more than once, so it decides from
   * its argument alone) and tells the listener when it did.
   */
  async function changeTask(
    id: string,
    change: (task: TaskRecord) => TaskRecord | null,
  ): Promise<{ task: TaskRecord | null; changed: boolean }> {
    const outcome = await tasks.update(id, change);
    if (outcome.changed && outcome.task && options.onTaskChange) {
      Promise.resolve(options.onTaskChange(outcome.task)).catch((error) =>
        options.onError(error, { stage: "task-change" }),
      );
    }
    return outcome;
  }

  /** `changeTask`, for callers that only need the task it changed (null: left as it was). */
  async function changed(id: string, change: (task: TaskRecord) => TaskRecord | null) {
    const outcome = await changeTask(id, change);
    return outcome.changed ? outcome.task : null;
  }

  return {
    callbackKey,
    backlog: (agentId: string) => tasks.unfinished(agentId),

    /**
     * Marks a queued task working and returns it ready to send, or null when it no longer needs running (ended,
     * or its current turn is already running here).
     */
    async start(
      taskId: string,
      config: GatewayConfig,
      isRunning: (requestId: string) => boolean,
    ): Promise<PendingRequest | null> {
      const task = await changed(taskId, (task) => {
        if (isTerminal(task.status) || isRunning(requestIdOf(task))) return null;
        task.status = "working";
        task.attempts += 1;
        // A new attempt asks anew: an answer of an earlier one must not answer its prompts.
        if (task.answers) task.answers = undefined;
        // Taken from a person it was offered to: their reply is refused now. (Guarded: most tasks were never
        // offered, and a start should not grow their record by a field.)
        if (task.inbox_ask) task.inbox_ask = undefined;
        return task;
      });
      return task && pendingFor(task, config);
    },

    /**
     * After a gateway restart: a connector still holds this task. Its frames are replayed from the start (seq 0):
     * chunks of a task are not stored, so replaying them costs nothing, and a `done` the agent produced while the
     * gateway was down arrives that way.
     */
    async reattach(agentId: string, requestId: string, config: GatewayConfig) {
      let held = false;
      const { task } = await changeTask(taskIdOfRequest(requestId), (task) => {
        // Not an earlier turn the connector still holds, nor one that ended.
        held = task.agent_id === agentId && !isTerminal(task.status) && requestIdOf(task) === requestId;
        if (!held || task.status !== "submitted") return null;
        // A node the agent left re-queued this turn (its grace ran out before it heard the agent moved on), yet the
        // connector still runs it: it is working here. A start of its own, so that node's re-queue stays fenced,
        // but not a lost attempt.
        task.status = "working";
        task.attempts += 1;
        task.uncounted = (task.uncounted ?? 0) + 1;
        if (task.inbox_ask) task.inbox_ask = undefined;
        return task;
      });
      if (!held || !task) return null;
      const pending = pendingFor(task, config);
      // Answers it may not have got (given while it was away, or lost with its socket) go out once it resumes.
      for (const answer of task.answers ?? []) pending.keepAnswer(answer);
      return pending;
    },

    /**
     * A start whose request never went out (the agent's socket went away while it was saved): back to the queue,
     * not counted as a lost attempt. Nothing changes when the task was started again since (by another node).
     */
    async unstart(pending: PendingRequest): Promise<void> {
      await changeTask(taskIdOfRequest(pending.call.requestId), (task) => {
        if (isTerminal(task.status) || requestIdOf(task) !== pending.call.requestId) return null;
        if (task.attempts !== attemptOf.get(pending)) return null;
        task.status = "submitted";
        task.uncounted = (task.uncounted ?? 0) + 1;
        return task;
      });
    },

    /**
     * A person's session answered the ask that offered it this queued turn (`TaskRecord.inbox_ask`): the reply is
     * the turn's result, saved in one atomic step that only a turn still queued with that very ask passes, so a
     * connector that started it meanwhile (or a cancel) wins and the reply is refused (409 `task_taken`). Told to
     * the task's listeners and its callback as any other outcome.
     */
    async answerFromInbox(taskId: string, askId: string, text: string): Promise<TaskRecord> {
      const { task, changed } = await changeTask(taskId, (task) => {
        if (task.status !== "submitted" || task.inbox_ask !== askId) return null;
        task.status = "completed";
        task.result = text;
        task.attachments = [];
        task.inbox_ask = undefined;
        return task;
      });
      if (!task || !changed) throw new ApiError(409, "task_taken", notWaiting(taskId, task));
      // Not awaited: its retries may take half a minute, and the person's reply is answered now.
      if (task.callback_url) void callback(task);
      return task;
    },

    /** The agent vanished with this task: queue it again, or fail it after too many attempts. */
    async requeue(pending: PendingRequest): Promise<void> {
      const attempt = attemptOf.get(pending);
      const task = await changed(taskIdOfRequest(pending.call.requestId), (task) => {
        if (isTerminal(task.status) || requestIdOf(task) !== pending.call.requestId) return null;
        // Started again since (by another gateway node the agent moved to): it is not ours to re-queue.
        if (attempt !== undefined && task.attempts > attempt) return null;
        const lost = task.attempts - (task.uncounted ?? 0);
        if (lost < options.maxAttempts) {
          task.status = "submitted";
          return task;
        }
        task.status = "failed";
        task.error = {
          code: "agent_offline",
          message: `The agent went offline ${lost} times while running this task.`,
        };
        return task;
      });
      if (task?.status === "failed" && task.callback_url) await callback(task);
    },
  };
}

export type TaskRunner = ReturnType<typeof createTaskRunner>;
