/**
 * A2A streams (SendStreamingMessage, SubscribeToTask) over SSE: a `task` snapshot first, then status and
 * artifact updates mapped from the agent's chunks, closing when the turn ends (terminal or input-required).
 * Events made from chunks carry `id: <turn>:<seq>`, so a subscriber that lost its connection can come back
 * with `Last-Event-ID` and get exactly what it missed (beyond the spec, which does not replay).
 */
import type { TaskRecord } from "../../domain/tasks.ts";
import { extended } from "../../util/extended.ts";
import { SSE_HEADERS } from "../../util/sse.ts";
import { createSseBody } from "../../util/sse-body.ts";
import { A2aError, a2aErrors } from "./errors.ts";
import { type A2aCall, beginSend, ownTask } from "./operations.ts";
import { sendInputOf } from "./parse.ts";
import { lastChunkEvent, progressEvent, statusEvent, taskToWire, textChunkEncoder } from "./wire.ts";

export interface EventWriter {
  event(result: unknown, id?: string): void;
  /** An event whose result object is already JSON text (the hot path: one per agent chunk). */
  json(result: string, id?: string): void;
  comment(): void;
  close(): void;
}

/**
 * An SSE response whose events `wrap` puts into their envelope, given the result's JSON text (JSON-RPC: a full
 * response per event; REST: the bare object).
 */
export function sseResponse(
  call: A2aCall,
  wrap: (result: string) => string,
  run: (out: EventWriter) => { stop(): void },
): Response {
  let handle: { stop(): void } | undefined;
  const out = createSseBody(call.services.unread, () => handle?.stop());
  const json = (result: string, id?: string) =>
    out.write(id ? `id: ${id}\ndata: ${wrap(result)}\n\n` : `data: ${wrap(result)}\n\n`);
  handle = run({
    event: (result, id) => json(JSON.stringify(result), id),
    json,
    comment: () => out.write(": keepalive\n\n"),
    close: () => out.end(),
  });
  return new Response(out.body, { headers: SSE_HEADERS });
}

/** `Last-Event-ID` as the seq to replay after: only for the task's current turn (`<turn>:<seq>`). */
export function replayFrom(lastEventId: string | undefined, task: TaskRecord): number {
  if (!lastEventId) return 0;
  const [turn, seq] = lastEventId.split(":");
  const n = Number(seq);
  return Number(turn) === (task.turn ?? 1) && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** Streams the current turn of `task` into `out`, starting with the task snapshot. */
export function streamTask(
  call: A2aCall,
  task: TaskRecord,
  afterSeq: number,
  out: EventWriter,
  historyLength?: number,
): { stop(): void } {
  out.event({ task: taskToWire(task, { historyLength }) });
  const turn = task.turn ?? 1;
  let streamed = "";
  // After a replay point the client already holds the start of the artifact: everything appends.
  let anyText = afterSeq > 0;
  const textChunk = textChunkEncoder(task);
  return call.services.calls.followTask(call.caller, task, afterSeq, {
    running: (running) => out.event(statusEvent(extended(running, { status: "working" as const }))),
    chunk(seq, kind, delta) {
      const id = `${turn}:${seq}`;
      if (kind !== "text") return out.event(progressEvent(task, seq, kind, delta), id);
      out.json(textChunk.json(delta, !anyText), id);
      anyText = true;
      streamed += delta;
    },
    keepalive: () => out.comment(),
    end(final) {
      if (final.status === "completed") {
        const last = lastChunkEvent(final, streamed, anyText, afterSeq > 0);
        if (last) out.event(last);
      }
      out.event(statusEvent(final));
      out.close();
    },
  });
}

/** SendStreamingMessage: starts (or continues) the task, then streams it. */
export async function streamMessage(call: A2aCall, params: unknown) {
  const input = sendInputOf(params);
  const task = await beginSend(call, input);
  return (out: EventWriter) => streamTask(call, task, 0, out, input.historyLength);
}

/** SubscribeToTask: re-attaches to a task that has not ended; `lastEventId` replays what was missed. */
export async function subscribeToTask(call: A2aCall, params: Record<string, unknown>, lastEventId?: string) {
  const id = typeof params.id === "string" ? params.id : "";
  if (!id) throw a2aErrors.invalidParams("id is required.");
  const task = await ownTask(call, id);
  if (task.status === "completed" || task.status === "failed" || task.status === "canceled") {
    throw new A2aError(
      "UnsupportedOperation",
      "task_finished",
      `Task ${task.id} already ended (${task.status}); read it with GetTask.`,
    );
  }
  return (out: EventWriter) => streamTask(call, task, replayFrom(lastEventId, task), out);
}
