/**
 * The page's only way to the gateway: `fetch` with the token in the Authorization header (never in a URL), JSON
 * errors turned into `ApiFailure` with their stable code, and SSE read from a POST body (EventSource can neither
 * POST nor send headers).
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { Agent } from "./types.ts";

export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let token: string | null = null;
let onUnauthorized: () => void = () => {};

export function setToken(value: string | null): void {
  token = value;
}

export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return token ? { authorization: `Bearer ${token}`, ...extra } : extra;
}

async function failure(res: Response): Promise<ApiFailure> {
  let code = `http_${res.status}`;
  let message = res.statusText || "The gateway refused the request.";
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // Not a JSON error body: keep the status.
  }
  if (res.status === 401) onUnauthorized();
  return new ApiFailure(res.status, code, message);
}

/** Every agent `GET /v1/agents` lists (`query`: its filters, e.g. `mine=true`), following the pages. */
export async function listAgents(query = ""): Promise<Agent[]> {
  const agents: Agent[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams(query);
    params.set("limit", "1000");
    if (cursor !== null) params.set("cursor", cursor);
    const page: { agents: Agent[]; next_cursor: string | null } = await api("GET", `/v1/agents?${params}`);
    agents.push(...page.agents);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return agents;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: headers(
        body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
      ),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, "network_error", "Cannot reach the gateway. Check your connection and retry.");
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Fetches a file that needs the token (attachments) as a Blob. */
export async function fetchBlob(url: string): Promise<Blob> {
  const res = await fetch(url, { headers: headers() });
  if (!res.ok) throw await failure(res);
  return res.blob();
}

export interface StreamOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  onOpen?: (res: Response) => void;
  onEvent: (event: EventSourceMessage) => void;
}

/** Reads an SSE answer until it ends; refusals before the stream starts throw `ApiFailure`. */
export async function stream(path: string, options: StreamOptions): Promise<void> {
  const res = await fetch(path, {
    method: options.method ?? "GET",
    headers: headers({
      accept: "text/event-stream",
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
    }),
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  if (!res.ok || !res.body) throw await failure(res);
  options.onOpen?.(res);
  const parser = createParser({ onEvent: options.onEvent });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.feed(value);
  }
}
