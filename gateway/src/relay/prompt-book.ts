/**
 * The permission prompts of one request, as its permission chunks and its callers' answers leave them: those the agent
 * waits on (a caller may answer each once), those it withdrew (decided by itself, e.g. on its timeout, so a late
 * answer is told so), and the answers given (sent again when the agent resumes the request). Kept by a running
 * request (`PendingRequest`), and rebuilt from a cluster's request log where another node ran the request.
 */
import {
  type PermissionPrompt,
  type PromptAnswer,
  type PromptWithdrawal,
  readPermissionDelta,
} from "../protocol/index.ts";

/** What an answer to a prompt meets: it can be taken, the agent decided by itself, or there is no such prompt open. */
export type PromptVerdict = "open" | "withdrawn" | "not_found";

export class PromptBook {
  readonly open = new Map<string, PermissionPrompt>();
  readonly withdrawn = new Map<string, PromptWithdrawal>();
  readonly answered: PromptAnswer[] = [];

  /**
   * Opens or closes a prompt from a permission chunk's delta; one that is neither is not one anyone can answer
   * (callers still see it). A prompt answered already stays closed when a connector that takes the request up from
   * the start (a task) replays it.
   */
  note(delta: string): void {
    const read = readPermissionDelta(delta);
    if (!read) return;
    if ("prompt" in read) {
      const { prompt } = read;
      if (!this.answered.some((answer) => answer.prompt_id === prompt.prompt_id))
        this.open.set(prompt.prompt_id, prompt);
    } else if (this.open.delete(read.withdrawal.prompt_id))
      this.withdrawn.set(read.withdrawal.prompt_id, read.withdrawal);
  }

  /** Takes an answer: its prompt is no longer open, and the answer is kept to send again. */
  keep(answer: PromptAnswer): void {
    this.open.delete(answer.prompt_id);
    this.answered.push(answer);
  }

  verdict(promptId: string): PromptVerdict {
    if (this.withdrawn.has(promptId)) return "withdrawn";
    return this.open.has(promptId) ? "open" : "not_found";
  }
}
