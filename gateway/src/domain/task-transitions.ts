/**
 * Which stored task may follow which, checked inside the store's atomic update (see `TaskService.update`), so that
 * whatever order the nodes of a cluster write in, an ended task stays ended and an earlier turn never overwrites a
 * later one. Each writer still decides its own change; this is the rule none of them may break.
 * @module
 */
import type { TaskRecord } from "./tasks.ts";

const turnOf = (task: Pick<TaskRecord, "turn">): number => task.turn ?? 1;

/** Whether `next` may replace `current` in the store. */
export function mayFollow(current: TaskRecord, next: TaskRecord): boolean {
  if (next.id !== current.id || next.owner !== current.owner || next.agent_id !== current.agent_id)
    return false;
  // Completed, failed and canceled are final: a late outcome, re-queue or start loses to them.
  if (current.status === "completed" || current.status === "failed" || current.status === "canceled")
    return false;
  // An input-required turn ended; only its continuation (the next turn, queued) comes after it.
  if (current.status === "input-required")
    return turnOf(next) === turnOf(current) + 1 && next.status === "submitted";
  // A running or queued turn: anything of the same turn, but starts are never taken back.
  return turnOf(next) === turnOf(current) && next.attempts >= current.attempts;
}
