/** The real A2A SDK client (@a2a-js/sdk 1.3.0) on one binding, with our bearer token, plus small readers. */

import { SendMessageRequest, type StreamResponse, type Task } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from "@a2a-js/sdk/client";

export type Binding = "JSONRPC" | "HTTP+JSON";
export const BINDINGS: Binding[] = ["JSONRPC", "HTTP+JSON"];

export function authedFetch(token: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
}

/** Card discovery from the agent's base URL, then a client speaking only `binding`. */
export async function a2aClient(binding: Binding, baseUrl: string, token: string): Promise<Client> {
  const fetchImpl = authedFetch(token);
  const transport =
    binding === "JSONRPC"
      ? new JsonRpcTransportFactory({ fetchImpl })
      : new RestTransportFactory({ fetchImpl });
  const factory = new ClientFactory({
    transports: [transport],
    cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
  });
  return factory.createFromUrl(baseUrl);
}

let counter = 0;
/** A SendMessageRequest from ProtoJSON-ish fields (the SDK's own converter builds the typed object). */
export function userMessage(
  text: string,
  extra: { taskId?: string; contextId?: string; configuration?: Record<string, unknown> } = {},
) {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: `m-${Date.now()}-${counter++}`,
      role: "ROLE_USER",
      parts: [{ text }],
      taskId: extra.taskId,
      contextId: extra.contextId,
    },
    configuration: extra.configuration,
  });
}

export function textOf(parts: Array<{ content?: { $case: string; value: unknown } }> | undefined): string {
  return (parts ?? []).map((p) => (p.content?.$case === "text" ? String(p.content.value) : "")).join("");
}

export function asTask(result: unknown): Task {
  if (!result || typeof result !== "object" || !("id" in result) || !("status" in result))
    throw new Error(`expected a Task, got ${JSON.stringify(result)}`);
  return result as Task;
}

/** Collects a stream's events; `stopAfter` ends reading early (the caller aborts the connection). */
export async function collect(
  stream: AsyncGenerator<StreamResponse, void, undefined>,
  stopAfter?: (events: StreamResponse[]) => boolean,
): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  try {
    for await (const event of stream) {
      events.push(event);
      if (stopAfter?.(events)) break;
    }
  } catch (error) {
    if (!(error instanceof Error && error.name === "AbortError")) throw error;
  }
  return events;
}

/** The text of every artifactUpdate in order. */
export function streamedText(events: StreamResponse[]): string {
  return events
    .map((e) => (e.payload?.$case === "artifactUpdate" ? textOf(e.payload.value.artifact?.parts) : ""))
    .join("");
}

export const cases = (events: StreamResponse[]) => events.map((e) => e.payload?.$case);

/** A promise the test opens when it wants the agent to go on. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}
