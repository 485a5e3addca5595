/**
 * POSTs a finished task to its `callback_url`, signed with a per-task key derived from the gateway secret
 * (`x-agent-mesh-signature: sha256=<hmac>`), retried after each delay, then given up and reported.
 * @module
 */
import { type TaskRecord, taskView } from "../domain/tasks.ts";
import { hmacSha256Hex } from "../util/crypto.ts";

export interface TaskCallbackOptions {
  /** Gateway secret; callback signatures use a key derived from it per task. */
  secret: () => Promise<string>;
  /** Waits before each retry (ms); default 1 s, 5 s, 30 s. */
  retryDelaysMs?: number[];
  onError: (error: unknown, context: { stage: string }) => void;
}

export function createTaskCallback(options: TaskCallbackOptions) {
  const retryDelays = options.retryDelaysMs ?? [1000, 5000, 30_000];

  /** The per-task key a caller uses to verify the callback's `x-agent-mesh-signature`. */
  async function callbackKey(taskId: string): Promise<string> {
    return hmacSha256Hex(await options.secret(), `callback:${taskId}`);
  }

  async function callback(task: TaskRecord): Promise<void> {
    const body = JSON.stringify(taskView(task));
    const signature = await hmacSha256Hex(await callbackKey(task.id), body);
    for (let attempt = 0; attempt <= retryDelays.length; attempt++) {
      try {
        const res = await fetch(task.callback_url!, {
          method: "POST",
          headers: { "content-type": "application/json", "x-agent-mesh-signature": `sha256=${signature}` },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        if (res.ok) return;
      } catch {
        // Unreachable callback: retried below, then given up (the task stays readable via GET).
      }
      const delay = retryDelays[attempt];
      if (delay === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    options.onError(new Error(`callback to ${task.callback_url} failed`), { stage: "task-callback" });
  }

  return { callback, callbackKey };
}
