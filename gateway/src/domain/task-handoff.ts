/**
 * Handing a saved task to its agent's home (`AgentHub.taskQueued`), which runs it now if the agent is connected.
 * Apart from calls.ts because it outlives the request that started the task: when the store refuses the handoff
 * for a moment, it is tried again in the background long after the caller was answered.
 * @module
 */
import { storeMayTakeItLater } from "../errors.ts";
import type { AgentHub } from "../relay/types.ts";
import type { TaskRecord } from "./tasks.ts";

/** A task's handoff to its agent's home that the store refused for now is tried this often, this many times more. */
const HANDOFF_RETRY_MS = 500;
const HANDOFF_RETRIES = 120;

export function createTaskHandoff(deps: {
  hub: AgentHub;
  onError(error: unknown, context: { stage: string }): void;
}) {
  const { hub } = deps;

  /**
   * Tells the agent's home a task is waiting. When the store (a cluster's Redis) blinks or fills up between saving
   * the task and this handoff, the handoff is tried again in the background (every 500 ms, for a minute): the task
   * is accepted, so it must not wait for its agent to reconnect. A caller awaiting the handoff is answered by the
   * first try.
   */
  return function queued(task: TaskRecord, retriesLeft = HANDOFF_RETRIES): Promise<void> {
    return hub.taskQueued(task.agent_id, task.id).catch((error) => {
      const passing = storeMayTakeItLater(error);
      if (passing && retriesLeft > 0) setTimeout(() => void queued(task, retriesLeft - 1), HANDOFF_RETRY_MS);
      // A refusal that may pass is reported once per task, not once per retry.
      if (!passing || retriesLeft === HANDOFF_RETRIES || retriesLeft === 0)
        deps.onError(error, { stage: "task-queued" });
    });
  };
}
