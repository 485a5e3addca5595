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

/** Agents a view shows at most: one page of the listing. */
export const AGENTS_SHOWN = 1000;
/**
 * Requests one view's listing makes at most. A filtered page may end early, even empty, with a cursor: the gateway
 * reads at most 2,000 agents a request, so a search through a large fleet comes in several.
 */
const LISTING_REQUESTS = 10;

/**
 * The first `AGENTS_SHOWN` agents `GET /v1/agents` lists for `query` (its filters, e.g. `mine=true`), by name, and
 * whether there are more: a view polls this every few seconds, and a fleet must not come whole each time. When the
 * requests run out first, `searchedTo` is the last name the gateway looked at.
 */
export async function listAgents(
  query = "",
): Promise<{ agents: Agent[]; more: boolean; searchedTo: string | null }> {
  const params = new URLSearchParams(query);
  const agents: Agent[] = [];
  for (let request = 0; request < LISTING_REQUESTS; request++) {
    params.set("limit", String(AGENTS_SHOWN - agents.length));
    const page = await api<{ agents: Agent[]; next_cursor: string | null }>("GET", `/v1/agents?${params}`);
    agents.push(...page.agents);
    if (page.next_cursor === null) return { agents, more: false, searchedTo: null };
    if (agents.length >= AGENTS_SHOWN) return { agents, more: true, searchedTo: null };
    params.set("cursor", page.next_cursor);
  }
  return { agents, more: true, searchedTo: params.get("cursor") };
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
