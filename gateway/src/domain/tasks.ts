/**
 * Durable async tasks. A task lives under `task:<agentId>:<ulid>` and its public id is `<agentId>.<ulid>`, so
 * accepting one costs a single store write and an agent's backlog is one ordered key listing.
 *
 * States map 1:1 onto A2A v1.0 task states (`TASK_STATE_SUBMITTED` …), see `A2A_TASK_STATE`.
 */
import type { Attachment } from "../protocol/index.ts";
import type { SessionStore } from "../session-stores/types.ts";
import { timeOrderedId } from "../util/ids.ts";

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
  attempts: number;
  created_at: string;
  updated_at: string;
}

const TASK_ID = /^(ag_[0-9a-f]{16})\.([0-9a-z]{26})$/;

function keyOf(id: string): string | null {
  const match = TASK_ID.exec(id);
  return match ? `task:${match[1]}:${match[2]}` : null;
}

export function createTaskService(store: SessionStore, options: { ttlSeconds: number }) {
  async function create(
    fields: Omit<TaskRecord, "id" | "status" | "attempts" | "created_at" | "updated_at">,
  ) {
    const now = new Date().toISOString();
    const ulid = timeOrderedId();
    const task: TaskRecord = {
      ...fields,
      id: `${fields.agent_id}.${ulid}`,
      status: "submitted",
      attempts: 0,
      created_at: now,
      updated_at: now,
    };
    await store.set(`task:${fields.agent_id}:${ulid}`, task);
    return task;
  }

  async function get(id: string): Promise<TaskRecord | null> {
    const key = keyOf(id);
    return key ? store.get<TaskRecord>(key) : null;
  }

  /** Writes a new state; terminal states get the finished-task TTL. */
  async function save(task: TaskRecord): Promise<TaskRecord> {
    const key = keyOf(task.id);
    if (!key) throw new Error(`[gateway] [tasks] bad task id ${task.id}`);
    task.updated_at = new Date().toISOString();
    await store.set(key, task, isTerminal(task.status) ? { ttl: options.ttlSeconds } : undefined);
    return task;
  }

  /** Every task of an agent that still has to run (submitted or working), oldest first. */
  async function unfinished(agentId: string): Promise<TaskRecord[]> {
    const keys = await store.keys(`task:${agentId}:`);
    const tasks = await Promise.all(keys.map((key) => store.get<TaskRecord>(key)));
    return tasks.filter((t): t is TaskRecord => t !== null && !isTerminal(t.status));
  }

  return { create, get, save, unfinished };
}

export type TaskService = ReturnType<typeof createTaskService>;

/** The public JSON shape of a task. */
export function taskView(task: TaskRecord) {
  return {
    id: task.id,
    task_id: task.id,
    agent_id: task.agent_id,
    session_id: task.session_id,
    status: task.status,
    a2a_state: A2A_TASK_STATE[task.status],
    result: task.result,
    error: task.error,
    attachments: task.attachments ?? [],
    created_at: task.created_at,
    updated_at: task.updated_at,
  };
}
