/**
 * Durable async tasks. A task lives under `task:<agentId>:<ulid>` and its public id is `<agentId>.<ulid>`, so
 * an agent's backlog is one ordered key listing. A second key, `task-owner:<user>:<ulid>:<agentId>`, lists a
 * caller's tasks newest first without reading any of them; stores whose data lives in this process alone (memory,
 * fs) have no such key and index a caller's tasks in memory instead (`task-owner-local.ts`).
 *
 * On stores whose key listing is a keyspace scan (redis, upstash), an agent's backlog is instead a sorted set,
 * `task-backlog:<agentId>` (ulid scored by creation time), so an agent connecting costs the size of its backlog:
 * tasks join it when created or continued and leave it when they end (see `createBacklogIndex`). There a caller's
 * listing reads a sorted set too, `tasks-owned:<user>` (see `createTaskOwnerIndex`).
 *
 * A task that ends `input-required` can be continued with another message: it runs again as turn 2, 3, …, each
 * turn a relay request of its own (`requestIdOf`), earlier turns kept in `history`.
 *
 * States map 1:1 onto A2A v1.0 task states (`TASK_STATE_SUBMITTED` …), see `A2A_TASK_STATE`.
 */
import type { Attachment, PermissionPrompt, PromptAnswer, PromptWithdrawal } from "../protocol/index.ts";
import type { SessionStore } from "../session-stores/types.ts";
import { extended } from "../util/extended.ts";
import { timeOrderedId } from "../util/ids.ts";
import { fillPage } from "../util/pages.ts";
import { assertStoreRoom } from "./store-room.ts";
import { createBacklogIndex } from "./task-backlog.ts";
import { createTaskOwnerIndex } from "./task-owner-index.ts";
import { mayFollow } from "./task-transitions.ts";

export const TASK_STATES = [
  "submitted",
  "working",
  "input-required",
  "completed",
  "failed",
  "canceled",
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const A2A_TASK_STATE: Record<TaskState, string> = {
  submitted: "TASK_STATE_SUBMITTED",
  working: "TASK_STATE_WORKING",
  "input-required": "TASK_STATE_INPUT_REQUIRED",
  completed: "TASK_STATE_COMPLETED",
  failed: "TASK_STATE_FAILED",
  canceled: "TASK_STATE_CANCELED",
};

/** States after which a task never changes again. */
export function isTerminal(state: TaskState): boolean {
  return state === "completed" || state === "failed" || state === "canceled" || state === "input-required";
}

export interface TaskRecord {
  id: string;
  agent_id: string;
  agent_name: string;
  /** The user who created it; only they can read or cancel it. */
  owner: string;
  /**
   * The agent whose credential created it (a ticket's credential, on the agent's machine): of its user's tasks, that
   * credential sees only these. Absent for tasks created with a user token.
   */
  from_agent?: string;
  session_id: string;
  client_id: string;
  message: string;
  status: TaskState;
  result?: string;
  error?: { code: string; message: string };
  attachments?: Attachment[];
  callback_url?: string;
  /** Public origin the caller used, for absolute attachment URLs. */
  origin?: string;
  /** 1 for the first message; each continuation of an input-required task adds one. Absent = 1. */
  turn?: number;
  /** Earlier turns (the current one is `message` / `result`), oldest first. */
  history?: Array<{ role: "user" | "agent"; text: string }>;
  /** Agents whose requests led to this task, ending with its agent (see `RequestFrame.chain`). */
  chain?: string[];
  /**
   * A permission prompt the running agent waits on (answered with `POST /v1/tasks/:id/input`). While set, the
   * task shows as `input-required`, though its turn is still running.
   */
  prompt?: PermissionPrompt;
  /**
   * The last prompt of this turn that its agent withdrew (no answer in time: denied). Shown to callers, and a late
   * answer to it is refused with `prompt_withdrawn` rather than a bare "not found".
   */
  withdrawn_prompt?: PromptWithdrawal;
  /**
   * The answers given to this attempt's prompts, until the turn ends or starts over: a connector that takes the turn
   * up again (back after its grace window, after a gateway restart, on another node) gets them again, and a prompt it
   * replays that was answered is not shown as open again. Never shown to callers.
   */
  answers?: PromptAnswer[];
  /** Door-specific data kept with the task (e.g. A2A message ids, push-notification configs). */
  extensions?: Record<string, unknown>;
  /**
   * The ask that offers this queued turn to a person's session (its inbox read, no connector): the person's reply
   * is the turn's result. A connector that starts the turn first takes it (the mark goes, and a late reply is
   * refused), so a turn ends once, by one of them (`TaskRunner.answerFromInbox`).
   */
  inbox_ask?: string;
  /** Starts of the current turn (each saves `working`); they only grow, so a stale re-queue can be fenced off. */
  attempts: number;
  /**
   * Starts that did not lose the turn on an agent (its request never went out because the socket went away
   * meanwhile; or the turn was taken back from a node the agent had left): not counted against the attempt limit.
   */
  uncounted?: number;
  created_at: string;
  updated_at: string;
}

/** A task id, `<agent id>.<ulid>` (also the `next_cursor` of the task listing). */
export const TASK_ID = /^(ag_[0-9a-f]{16})\.([0-9a-z]{26})$/;

function keyOf(id: string): string | null {
  const match = TASK_ID.exec(id);
  return match ? `task:${match[1]}:${match[2]}` : null;
}

/** `<ulid>:<agentId>`: the task's place in its owner's listing, newest first. */
function ownerEntryOf(task: Pick<TaskRecord, "id" | "agent_id">): string {
  return `${task.id.slice(task.id.indexOf(".") + 1)}:${task.agent_id}`;
}

function ownerKeyOf(task: Pick<TaskRecord, "id" | "owner" | "agent_id">): string {
  return `task-owner:${task.owner}:${ownerEntryOf(task)}`;
}

/** The relay request id of a task's current turn: the task id, then `<id>~<turn>` for continuations. */
export function requestIdOf(task: Pick<TaskRecord, "id" | "turn">): string {
  return (task.turn ?? 1) > 1 ? `${task.id}~${task.turn}` : task.id;
}

/** The task a relay request id belongs to. */
export function taskIdOfRequest(requestId: string): string {
  const tilde = requestId.indexOf("~");
  return tilde === -1 ? requestId : requestId.slice(0, tilde);
}

export interface TaskListFilter {
  agentId?: string;
  status?: TaskState;
  /** Page size (1–100). */
  limit: number;
  /** Continue after this task id (the previous page's `next_cursor`). */
  cursor?: string;
  /** Only tasks of this session (A2A `contextId`). */
  sessionId?: string;
  /** Only tasks changed after this ISO time. */
  updatedAfter?: string;
  /** Only tasks this agent's credential created (`TaskRecord.from_agent`). */
  fromAgent?: string;
}

export function createTaskService(store: SessionStore, options: { ttlSeconds: number }) {
  const backlog = createBacklogIndex(store);
  const owned = createTaskOwnerIndex(store, options);
  async function create(
    fields: Omit<TaskRecord, "id" | "status" | "attempts" | "created_at" | "updated_at">,
  ) {
    assertStoreRoom(store);
    const now = new Date().toISOString();
    const ulid = timeOrderedId();
    const task: TaskRecord = extended(fields, {
      id: `${fields.agent_id}.${ulid}`,
      status: "submitted" as const,
      attempts: 0,
      created_at: now,
      updated_at: now,
    });
    const key = `task:${fields.agent_id}:${ulid}`;
    const ownerKey = owned.ownerKeys ? ownerKeyOf(task) : null;
    await Promise.all([
      store.set(key, task),
      ownerKey === null ? undefined : store.set(ownerKey, 1),
      backlog.track(task),
      owned.add(task.owner, ownerEntryOf(task)),
    ]).catch(async (error: unknown) => {
      // The caller is told the task was not taken, so none of it may stay behind as a task that never runs (a
      // Redis at its maxmemory refuses some of the writes and still takes deletes). Best effort: a store
      // that is unreachable refuses these too. The record goes first: `untrack` puts back the entry of a task
      // it still finds pending.
      await Promise.allSettled([
        store.delete(key),
        ownerKey === null ? undefined : store.delete(ownerKey),
        owned.remove(task.owner, ownerEntryOf(task)),
      ]);
      await backlog.untrack(task).catch(() => {});
      throw error;
    });
    return task;
  }

  async function get(id: string): Promise<TaskRecord | null> {
    const key = keyOf(id);
    return key ? store.get<TaskRecord>(key) : null;
  }

  /**
   * Changes a stored task without losing a concurrent change (a cancel on one node while another saves the agent's
   * outcome): `change` gets the task as stored now and returns the next record, or null to leave it. It may run
   * more than once (the store's compare-and-set retries on a conflict), so it decides from its argument alone. A
   * change the task's state machine forbids (`mayFollow`) is not written. Ended tasks get the finished-task TTL.
   * Resolves with the task as stored afterwards (null: no such task) and whether this call changed it.
   */
  async function update(
    id: string,
    change: (task: TaskRecord) => TaskRecord | null,
  ): Promise<{ task: TaskRecord | null; changed: boolean }> {
    const key = keyOf(id);
    if (!key) return { task: null, changed: false };
    let endedBefore = false;
    const { value, changed } = await store.update<TaskRecord>(key, (current) => {
      if (current === null) return undefined;
      endedBefore = isTerminal(current.status);
      const stored = { ...current }; // `change` may edit its argument in place; the rule compares with this
      const next = change(current);
      if (next === null || !mayFollow(stored, next)) return undefined;
      next.updated_at = new Date().toISOString();
      return { value: next, ttl: isTerminal(next.status) ? options.ttlSeconds : undefined };
    });
    if (!value || !changed) return { task: value, changed: false };
    if (isTerminal(value.status)) {
      await Promise.all([
        // Without owner keys, the key of a task from a version that wrote them goes when the task ends (for a
        // task of this version there is none: the delete finds nothing and writes nothing).
        owned.ownerKeys
          ? store.set(ownerKeyOf(value), 1, { ttl: options.ttlSeconds })
          : store.delete(ownerKeyOf(value)),
        backlog.untrack(value),
      ]);
    } else {
      await Promise.all([
        backlog.track(value),
        // Continued after input-required: the owner's listing key lost its finished-task TTL's reason to expire.
        endedBefore && owned.ownerKeys ? store.set(ownerKeyOf(value), 1) : undefined,
      ]);
    }
    return { task: value, changed: true };
  }

  /** Turns an input-required task into the next turn with the caller's new message (not saved). */
  function nextTurn(task: TaskRecord, message: string): TaskRecord {
    const history = [...(task.history ?? []), { role: "user" as const, text: task.message }];
    if (task.result !== undefined) history.push({ role: "agent", text: task.result });
    return extended(task, {
      history,
      message,
      status: "submitted" as const,
      turn: (task.turn ?? 1) + 1,
      result: undefined,
      error: undefined,
      attachments: undefined,
      prompt: undefined,
      withdrawn_prompt: undefined,
      answers: undefined,
      inbox_ask: undefined,
      attempts: 0,
      uncounted: undefined,
    });
  }

  /** A caller's tasks, newest first, one page at a time. */
  async function listOf(
    owner: string,
    filter: TaskListFilter,
  ): Promise<{ tasks: TaskRecord[]; nextCursor: string | null }> {
    // An entry, `<ulid>:<agent id>`, and the task's id, `<agent id>.<ulid>`, name each other.
    const taskIdOf = (entry: string) => {
      const [ulid, agentId] = entry.split(":") as [string, string];
      return `${agentId}.${ulid}`;
    };
    const cursor = filter.cursor ? TASK_ID.exec(filter.cursor) : null;
    const before = cursor ? `${cursor[2]}:${cursor[1]}` : undefined;
    const now = Date.now();
    const { items: page, next } = await fillPage(
      owned.entries(owner, before),
      filter.limit,
      async (batch) => {
        // Entries of another agent are not read (undefined); the rest in one round trip.
        const wanted = batch.filter(
          (entry) =>
            (!filter.agentId || entry.endsWith(`:${filter.agentId}`)) && keyOf(taskIdOf(entry)) !== null,
        );
        const read = await store.getMany<TaskRecord>(wanted.map((entry) => keyOf(taskIdOf(entry))!));
        const byEntry = new Map(wanted.map((entry, i) => [entry, read[i]!] as const));
        const records = batch.map((entry) => byEntry.get(entry));
        await Promise.all(
          batch.map((entry, i) => (records[i] === null ? owned.noTask(owner, entry, now) : null)),
        );
        return records.map((task) =>
          task !== null && task !== undefined && task.owner === owner && matches(task, filter) ? task : null,
        );
      },
    );
    return { tasks: page, nextCursor: next === null ? null : taskIdOf(next) };
  }

  /**
   * Door-specific data kept beside a task under its own key (e.g. A2A push-notification configs), so writing it
   * never races the runner's writes of the task itself. Lives as long as a finished task.
   */
  async function data<T>(id: string, name: string): Promise<T | null> {
    return keyOf(id) ? store.get<T>(`task-data:${id}:${name}`) : null;
  }

  /**
   * Changes door data as stored now (one compare-and-set step, see `SessionStore.update`): `change` gets the current
   * value (null: none) and returns the next one, or undefined to leave it; two doors' writes at once both land.
   */
  async function updateData<T>(
    id: string,
    name: string,
    change: (current: T | null) => T | undefined,
  ): Promise<{ value: T | null; changed: boolean }> {
    if (!keyOf(id)) throw new Error(`[gateway] [tasks] bad task id ${id}`);
    return store.update<T>(`task-data:${id}:${name}`, (current) => {
      const next = change(current);
      return next === undefined ? undefined : { value: next, ttl: options.ttlSeconds };
    });
  }

  /** Every task of an agent that still has to run (submitted or working), oldest first; the oldest `limit` of them. */
  async function unfinished(agentId: string, limit = Number.POSITIVE_INFINITY): Promise<TaskRecord[]> {
    let keys = await backlog.keysOf(agentId);
    if (keys.length === 0) return []; // most agents, at every connect
    if (keys.length > limit) keys = keys.slice(0, limit);
    const tasks = await store.getMany<TaskRecord>(keys);
    const live = tasks.filter((t): t is TaskRecord => t !== null && !isTerminal(t.status));
    if (live.length < keys.length) await backlog.prune(agentId, keys, tasks);
    return live;
  }

  return { create, get, update, unfinished, nextTurn, listOf, data, updateData };
}

export type TaskService = ReturnType<typeof createTaskService>;

function matches(task: TaskRecord, filter: TaskListFilter): boolean {
  return (
    (!filter.status || task.status === filter.status) &&
    (!filter.sessionId || task.session_id === filter.sessionId) &&
    (!filter.updatedAfter || task.updated_at > filter.updatedAfter) &&
    (!filter.fromAgent || task.from_agent === filter.fromAgent)
  );
}

/** The public JSON shape of a task. */
export function taskView(task: TaskRecord) {
  return {
    id: task.id,
    task_id: task.id,
    agent_id: task.agent_id,
    agent_name: task.agent_name,
    session_id: task.session_id,
    status: shownStatus(task),
    a2a_state: A2A_TASK_STATE[shownStatus(task)],
    turn: task.turn ?? 1,
    /** What the caller asked in the current turn (a list of tasks is read by what each was for). */
    message: task.message,
    /** Queued, and offered to a person's session as this ask in its inbox. */
    inbox_ask: task.status === "submitted" ? task.inbox_ask : undefined,
    prompt: task.status === "working" ? task.prompt : undefined,
    withdrawn_prompt: task.withdrawn_prompt,
    result: task.result,
    error: task.error,
    attachments: task.attachments ?? [],
    created_at: task.created_at,
    updated_at: task.updated_at,
  };
}

/** What callers see: a running turn that waits on a permission prompt is `input-required`. */
export function shownStatus(task: TaskRecord): TaskState {
  return task.status === "working" && task.prompt ? "input-required" : task.status;
}
