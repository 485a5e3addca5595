/** A tiny HTTP client for tests: JSON calls and SSE streams parsed with eventsource-parser. */
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** How a request leaves: `fetch` over the network, or an in-process app's `request` (in-process-gateway.ts). */
export type Send = (url: URL, init: RequestInit) => Response | Promise<Response>;

export function apiClient(
  baseUrl: string,
  token?: string,
  always: Record<string, string> = {},
  send: Send = (url, init) => fetch(url, init),
) {
  const headers = (extra?: Record<string, string>) => ({
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...always,
    ...extra,
  });
  async function call<T = any>(method: string, path: string, body?: unknown): Promise<JsonResponse<T>> {
    const res = await send(new URL(path, baseUrl), {
      method,
      headers: headers(body === undefined ? {} : { "content-type": "application/json" }),
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: tests look at the text.
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  /** POSTs with `Accept: text/event-stream` and collects every event until the stream ends. */
  async function stream(
    path: string,
    body: unknown,
    options: {
      signal?: AbortSignal;
      onEvent?: (e: EventSourceMessage) => void;
      onResponse?: (res: Response) => void;
    } = {},
  ) {
    const res = await send(new URL(path, baseUrl), {
      method: "POST",
      headers: headers({ "content-type": "application/json", accept: "text/event-stream" }),
      body: JSON.stringify(body),
      signal: options.signal,
    });
    options.onResponse?.(res);
    const events: EventSourceMessage[] = [];
    let keepalives = 0;
    if (!res.headers.get("content-type")?.includes("text/event-stream")) {
      return { status: res.status, events, keepalives, body: await res.json().catch(() => null) };
    }
    const parser = createParser({
      onEvent: (event) => {
        events.push(event);
        options.onEvent?.(event);
      },
      onComment: (comment) => {
        if (comment.trim() === "keepalive") keepalives++;
      },
    });
    const decoder = new TextDecoder();
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(part, { stream: true }));
    return { status: res.status, events, keepalives, body: null };
  }
  return {
    call,
    stream,
    get: <T = any>(p: string) => call<T>("GET", p),
    post: <T = any>(p: string, b?: unknown) => call<T>("POST", p, b ?? {}),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** SSE events as `<event> <id>`, to compare a stream's order at a glance. */
export function told(events: Array<{ event?: string; id?: string }>): string[] {
  return events.map((event) => `${event.event} ${event.id}`);
}

/** Data of the events named `name`, parsed as JSON. */
export function eventData(events: EventSourceMessage[], name: string): any[] {
  return events.filter((e) => e.event === name).map((e) => JSON.parse(e.data));
}

/** Reads SSE events from a response until `stopAfter` says so (then drops the connection) or the stream ends. */
export async function readEvents(
  res: Response,
  stopAfter?: (event: EventSourceMessage) => boolean | undefined,
  controller?: AbortController,
): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  let stop = false;
  const parser = createParser({
    onEvent: (event) => {
      if (stop) return;
      events.push(event);
      if (stopAfter?.(event)) stop = true;
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(part, { stream: true }));
      if (stop) {
        controller?.abort();
        break;
      }
    }
  } catch {
    // Aborted on purpose.
  }
  return events;
}

/**
 * Starts `POST /v1/agents/<agent>/messages` as SSE and resolves with the raw response as soon as it starts, for
 * tests that read (or cut, through `signal`) the stream themselves.
 */
export function startStreamCall(
  baseUrl: string,
  token: string,
  agent: string,
  signal?: AbortSignal,
  message = "go",
): Promise<Response> {
  return fetch(`${baseUrl}/v1/agents/${agent}/messages`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "text/event-stream",
    },
    body: JSON.stringify({ message }),
    signal,
  });
}

/**
 * Reads a task's event stream (`GET /v1/tasks/:id/events`) until it ends (10 s at most), each event's data parsed;
 * `onResponse` runs once its headers arrived.
 */
export async function readTaskEvents(
  baseUrl: string,
  token: string,
  taskId: string,
  onEvent: (event: string | undefined, data: { delta: string; status: string; result?: string }) => void,
  onResponse?: (res: Response) => void,
): Promise<void> {
  const res = await fetch(`${baseUrl}/v1/tasks/${taskId}/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  onResponse?.(res);
  const parser = createParser({ onEvent: (event) => onEvent(event.event, JSON.parse(event.data)) });
  const decoder = new TextDecoder();
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>)
    parser.feed(decoder.decode(part, { stream: true }));
}
