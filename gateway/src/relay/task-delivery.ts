/**
 * Durable tasks on their way to a connected agent: picked up again after a restart, loaded from the store when the
 * agent connects, and sent in order as capacity frees up.
 */
import type { GatewayConfig } from "../config.ts";
import { requestIdOf } from "../domain/tasks.ts";
import { storeMayTakeItLater } from "../errors.ts";
import type { AgentSlot } from "./agent-slot.ts";
import type { PendingRequest } from "./pending.ts";
import type { TaskRunner } from "./task-runner.ts";

export interface TaskDeliveryContext {
  tasks: TaskRunner;
  config: GatewayConfig;
  report(error: unknown, stage: string): void;
  /** Told of every request sent to an agent (see `AgentSlot.send`). */
  onRequestSent?: (pending: PendingRequest) => void;
}

/**
 * Tasks the connector still holds but this process does not know (the gateway restarted, or the Durable Object
 * was evicted). Only reads the store; nothing is linked yet.
 */
export async function reattachHeldTasks(
  slot: AgentSlot,
  held: Array<{ id: string }>,
  context: TaskDeliveryContext,
): Promise<PendingRequest[]> {
  const found: PendingRequest[] = [];
  for (const { id } of held) {
    if (slot.pending.has(id)) continue;
    const pending = await context.tasks.reattach(slot.id, id, context.config);
    if (pending) found.push(pending);
  }
  return found;
}

/** Queues the agent's unfinished tasks from the store (oldest first), then delivers what fits. */
export async function loadTaskBacklog(slot: AgentSlot, context: TaskDeliveryContext): Promise<void> {
  const tasks = await context.tasks.backlog(slot.id);
  // Nothing stored and nothing queued meanwhile (most connects): no queue to set, nothing to deliver.
  if (tasks.length === 0 && slot.queue.length === 0) return;
  const ordered = tasks.filter((task) => !slot.isBusyWith(requestIdOf(task))).map((task) => task.id);
  if (slot.queue.length === 0) slot.setQueue(ordered);
  else {
    // Tasks queued while the listing ran are kept after the listed ones.
    const loaded = new Set(ordered);
    slot.setQueue([...ordered, ...slot.queue.filter((id) => !loaded.has(id))]);
  }
  await deliverQueuedTasks(slot, context);
}

/** While the store is unreachable, queued tasks are retried this often (they stay in the slot's queue). */
const STORE_RETRY_MS = 500;

/** Sends queued tasks while the agent is linked and has room. Never rejects. */
export async function deliverQueuedTasks(slot: AgentSlot, context: TaskDeliveryContext): Promise<void> {
  if (slot.delivering) return;
  slot.delivering = true;
  let taskId: string | undefined;
  try {
    while (
      slot.link &&
      slot.queue.length > 0 &&
      slot.pending.size < slot.capacity(context.config.maxInflightPerAgent)
    ) {
      taskId = slot.takeQueued()!;
      const pending = await context.tasks.start(taskId, context.config, (id) => slot.isBusyWith(id));
      if (!pending) continue;
      if (!slot.link || slot.link.isClosed) {
        await context.tasks.unstart(pending);
        break;
      }
      slot.send(pending, context.onRequestSent);
      taskId = undefined;
    }
  } catch (error) {
    context.report(error, "deliver");
    if (taskId !== undefined && storeMayTakeItLater(error)) {
      // The task is still queued in the store: keep it first in line and try again once the store takes writes.
      slot.requeueFirst(taskId);
      setTimeout(() => void deliverQueuedTasks(slot, context), STORE_RETRY_MS);
    }
  } finally {
    slot.delivering = false;
  }
}

/** Agents whose task backlog `reloadBacklogs` reads at the same time. */
const BACKLOG_RELOADS_AT_ONCE = 16;

/**
 * Reads the task backlog of every linked agent again and delivers what is not running yet. Clusters call it when
 * this node's Redis comes back: a task queued on another node meanwhile may never have been handed over. False
 * when the store refused a listing (the caller tries again later).
 */
export async function reloadBacklogs(linked: AgentSlot[], context: TaskDeliveryContext): Promise<boolean> {
  let complete = true;
  const slots = linked.values();
  // A few listings in flight at once: one at a time, a node holding thousands of agents took seconds per round
  // trip to Redis before the last agent's queued task was found; all at once would flood the store.
  const worker = async (): Promise<void> => {
    for (const slot of slots) {
      await loadTaskBacklog(slot, context).catch((error) => {
        complete = false;
        context.report(error, "backlog");
      });
    }
  };
  await Promise.all(Array.from({ length: BACKLOG_RELOADS_AT_ONCE }, worker));
  return complete;
}

/**
 * Clusters: the agent moved to another node, which runs the tasks its connector still holds and delivers the rest
 * from the store (unfinished tasks stay in its backlog). This node forgets them without re-queueing, so a late
 * grace expiry here never turns a task running elsewhere back into a queued one.
 */
export function forgetMovedTasks(slot: AgentSlot): void {
  for (const pending of [...slot.pending.values()]) {
    if (!pending.isTask) continue;
    slot.untrack(pending.call.requestId);
    pending.abandon("moved");
  }
  slot.setQueue([]);
}
