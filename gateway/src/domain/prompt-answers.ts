/**
 * A caller's answer to an agent's permission prompt, on a task of theirs or on a live call of theirs: checked
 * against the prompt still open, passed to the agent through its hub, then cleared from the task. Every door
 * (`/v1`, A2A, the web UI) answers through this one function.
 */
import { ApiError } from "../errors.ts";
import type { PromptAnswer } from "../protocol/index.ts";
import type { AgentHub } from "../relay/types.ts";
import { type Caller, callOwner } from "./caller.ts";
import { requestIdOf, type TaskRecord, type TaskService } from "./tasks.ts";

const promptNotFound = (answer: PromptAnswer) =>
  new ApiError(
    404,
    "prompt_not_found",
    `No open permission prompt ${answer.prompt_id} here: it was answered, timed out (denied), or is not yours.`,
  );

/** A late answer to a prompt the agent already decided by itself (no answer within its timeout: denied). */
const promptWithdrawn = (answer: PromptAnswer, reason = "timeout") =>
  new ApiError(
    409,
    "prompt_withdrawn",
    `Permission prompt ${answer.prompt_id} is closed: ${
      reason === "timeout"
        ? "no answer came within its time limit, so the agent denied the tool use by itself"
        : `the agent denied the tool use by itself (${reason})`
    }; this answer was not passed on.`,
  );

export function createPromptAnswering(deps: {
  hub: AgentHub;
  tasks: TaskService;
  /** The caller's task, or 404. */
  getTask(caller: Caller, id: string): Promise<TaskRecord>;
}) {
  const { hub, tasks, getTask } = deps;
  /**
   * Passes a caller's answer to a permission prompt to the agent: of a task of theirs (`taskId`), or of a live
   * call of theirs (`agentId` + `requestId`).
   */
  return async function answerPrompt(
    caller: Caller,
    target: { taskId: string } | { agentId: string; requestId: string },
    answer: PromptAnswer,
  ): Promise<TaskRecord | null> {
    const task = "taskId" in target ? await getTask(caller, target.taskId) : null;
    if (task?.withdrawn_prompt?.prompt_id === answer.prompt_id)
      throw promptWithdrawn(answer, task.withdrawn_prompt.reason);
    if (task && (task.status !== "working" || task.prompt?.prompt_id !== answer.prompt_id))
      throw promptNotFound(answer);
    const agentId = task ? task.agent_id : (target as { agentId: string }).agentId;
    const requestId = task ? requestIdOf(task) : (target as { requestId: string }).requestId;
    // A task's record was checked above (`getTask`); a live call's owner is checked by the hub that holds it.
    const who = task ? { user: caller.user } : callOwner(caller);
    const outcome = await hub.answer(agentId, requestId, who, answer, { ofTask: task !== null });
    if (outcome === "unsupported") {
      throw new ApiError(
        409,
        "prompts_unsupported",
        "The agent's connector is too old to receive answers to permission prompts; its owner should update it.",
      );
    }
    if (outcome === "not_found") throw promptNotFound(answer);
    if (outcome === "withdrawn") throw promptWithdrawn(answer);
    if (!task) return null;
    const { task: now } = await tasks.update(task.id, (current) => {
      if (current.prompt?.prompt_id !== answer.prompt_id) return null;
      current.prompt = undefined;
      current.answers = [...(current.answers ?? []), answer];
      return current;
    });
    return now;
  };
}
