/**
 * Sends a message to an agent over SSE (`Accept: text/event-stream`) and hands each event to the caller as it
 * arrives, parsed with eventsource-parser. Resolves with the `done` payload; an `error` event becomes a
 * CliError with the agent's code. Aborting the signal closes the stream and, once the gateway named the request
 * (`x-agent-mesh-request-id`), cancels it with `DELETE /v1/agents/<ref>/messages/<request_id>`: closing alone
 * would leave it running for the gateway's resume window (`AGENT_MESH_RESUME_MS`), waiting for a re-attach that
 * never comes.
 * (An agent that is a person's interactive session is asked through its inbox by the gateway itself: the stream
 * is then a `status` chunk and the person's reply as `done`.)
 * @module
 */
import { createParser } from "eventsource-parser";
import type { PermissionPrompt, PromptWithdrawal } from "../../../gateway/src/protocol/index.ts";
import { CliError } from "./errors.ts";
import { type GatewayApi, gatewayError, segment } from "./gateway-api.ts";

export interface ChunkEvent {
  seq: number;
  kind: string;
  delta: string;
}

export interface DoneEvent {
  result: string;
  session_id: string;
  attachments: { name: string; size: number; url: string }[];
}

/** The agent asks the caller for permission; answer at `/v1/agents/<ref>/messages/<request_id>/input`. */
export interface PermissionEvent {
  seq: number;
  prompt: PermissionPrompt;
  request_id: string;
}

/** The agent decided a prompt by itself (no answer in time: denied); answers to it are refused from now on. */
export interface PermissionWithdrawnEvent {
  seq: number;
  withdrawal: PromptWithdrawal;
  request_id: string;
}

/**
 * Chunks `after`+1 … `next`-1 never reached the gateway (the agent's connector no longer had them when its link came
 * back); the result in `done` is whole all the same.
 */
export interface GapEvent {
  code: string;
  after: number;
  next: number;
  message: string;
}

export type StreamEvent =
  | { event: "chunk"; data: ChunkEvent }
  | { event: "gap"; data: GapEvent }
  | { event: "permission"; data: PermissionEvent }
  | { event: "permission_withdrawn"; data: PermissionWithdrawnEvent }
  | { event: "done"; data: DoneEvent }
  | { event: "error"; data: { code: string; message: string } };

/** How long a caller that gave up waits for the gateway to confirm the cancel: a dead gateway must not hang Ctrl-C. */
const CANCEL_WAIT_MS = 2_000;

export interface StreamOptions {
  sessionId?: string;
  signal?: AbortSignal;
  /** The agent is a person's session: the message went to its inbox as this ask, which outlives the stream. */
  onAsk?(askId: string): void;
  onEvent(event: StreamEvent): void;
}

export async function streamMessage(
  api: GatewayApi,
  agent: string,
  message: string,
  options: StreamOptions,
): Promise<DoneEvent> {
  const res = await api.fetch("POST", `/v1/agents/${segment(agent)}/messages`, {
    body: { message, session_id: options.sessionId || undefined },
    headers: { accept: "text/event-stream" },
    signal: options.signal,
  });
  const requestId = res.headers.get("x-agent-mesh-request-id") ?? "";
  const askId = res.headers.get("x-agent-mesh-ask-id");
  if (askId) options.onAsk?.(askId);
  let done: DoneEvent | undefined;
  let failure: { code: string; message: string } | undefined;
  const parser = createParser({
    onEvent: ({ event, data }) => {
      if (event === "permission") {
        const { seq, prompt } = JSON.parse(data);
        return options.onEvent({ event, data: { seq, prompt, request_id: requestId } });
      }
      if (event === "permission_withdrawn") {
        const { seq, withdrawal } = JSON.parse(data);
        return options.onEvent({ event, data: { seq, withdrawal, request_id: requestId } });
      }
      if (event !== "chunk" && event !== "gap" && event !== "done" && event !== "error") return;
      const parsed = JSON.parse(data);
      if (event === "done") done = parsed;
      if (event === "error") failure = parsed;
      options.onEvent({ event, data: parsed } as StreamEvent);
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(part, { stream: true }));
  } catch (error) {
    if (options.signal?.aborted) {
      await cancelLive(api, agent, requestId);
      throw options.signal.reason ?? error;
    }
    throw new CliError(
      "stream_interrupted",
      `the stream from the gateway broke off: ${(error as Error).message}`,
    );
  }
  if (failure) throw gatewayError(failure.code, failure.message);
  if (!done)
    throw new CliError("stream_interrupted", "the gateway closed the stream before the agent finished.");
  return done;
}

/**
 * Stops the live call `requestId` at once. Best effort: `404 request_not_found` means it ended meanwhile, and a
 * gateway that does not answer within CANCEL_WAIT_MS still cancels the call when its resume window runs out.
 */
async function cancelLive(api: GatewayApi, agent: string, requestId: string): Promise<void> {
  // No request id: a person's session was asked in its inbox, and that ask outlives the stream by design.
  if (!requestId) return;
  await api
    .json("DELETE", `/v1/agents/${segment(agent)}/messages/${segment(requestId)}`, {
      signal: AbortSignal.timeout(CANCEL_WAIT_MS),
    })
    .catch(() => undefined);
}
