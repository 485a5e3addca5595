/**
 * The gateway's HTTP API as the CLI uses it. Every refusal becomes a CliError carrying the gateway's stable
 * code (`{ "error": { "code", "message" } }`), so the person sees `agent-mesh: <message> [<code>]`.
 * @module
 */
import { CliError } from "./errors.ts";

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Raw body (attachments); sent as is instead of JSON. */
  raw?: Uint8Array;
}

export class GatewayApi {
  readonly url: string;
  readonly #token: string | undefined;

  constructor(url: string, token?: string) {
    this.url = url.replace(/\/+$/, "");
    this.#token = token;
  }

  /** Sends a request and returns the response when it is 2xx; throws a CliError otherwise. */
  async fetch(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let body: BodyInit | undefined;
    if (options.raw) {
      body = options.raw as Uint8Array<ArrayBuffer>;
      headers["content-type"] ??= "application/octet-stream";
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const target = path.startsWith("http") ? path : `${this.url}${path}`;
    let res: Response;
    try {
      res = await fetch(target, { method, headers, body, signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        "gateway_unreachable",
        `cannot reach the gateway at ${new URL(target).origin} (${cause?.code ?? cause?.message ?? String(error)}).`,
      );
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  async json<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<T> {
    const res = await this.fetch(method, path, options);
    return (await res.json()) as T;
  }

  get<T = Record<string, unknown>>(path: string): Promise<T> {
    return this.json<T>("GET", path);
  }

  /**
   * Every item of a paged listing (`/v1/agents`, `/v1/tokens`: `{<field>: [...], next_cursor}`) for `query`,
   * 1,000 a page. A gateway from before the pages answers everything at once, without a cursor.
   */
  async everyPage<T>(listing: "agents" | "tokens", query = new URLSearchParams()): Promise<T[]> {
    const items: T[] = [];
    query.set("limit", "1000");
    for (;;) {
      const page = await this.get<Record<string, unknown>>(`/v1/${listing}?${query}`);
      items.push(...(page[listing] as T[]));
      if (typeof page.next_cursor !== "string") return items;
      query.set("cursor", page.next_cursor);
    }
  }
}

/** Turns an error response into a CliError with the gateway's code and message. */
export async function errorFrom(res: Response): Promise<CliError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code) return gatewayError(body.error.code, body.error.message ?? "");
  } catch {
    // not a gateway error body: fall through to the status line
  }
  // Not our error shape: most likely not an Agent Mesh gateway (a wrong URL, a proxy page). One line, no HTML.
  const origin = res.url ? ` at ${new URL(res.url).origin}` : "";
  const short = text.replace(/\s+/g, " ").trim();
  const detail = short && !short.startsWith("<") ? `: ${short.slice(0, 160)}` : "";
  return new CliError(
    `http_${res.status}`,
    `the server${origin} answered ${res.status} ${res.statusText}${detail}; check that the URL points to an Agent Mesh gateway.`,
  );
}

/** The HTTP API's remedy in the refusal of an offline agent ("Agent `<name>` is not connected. …"). */
const API_QUEUE_REMEDY = 'send with "async": true to queue the message';

export function gatewayError(code: string, message: string): CliError {
  if (code === "unauthorized") return new CliError(code, `${message} Run \`agent-mesh login\` again.`);
  if (code === "agent_offline" && message.includes(API_QUEUE_REMEDY)) {
    // The same remedy as a person at the terminal takes it.
    const agent = /`([^`]+)`/.exec(message)?.[1] ?? "<agent>";
    const remedy = `queue it as a task: \`agent-mesh call ${agent} --task "..." --async\``;
    return new CliError(code, message.replace(API_QUEUE_REMEDY, remedy));
  }
  return new CliError(code, message);
}

/** Path segment for an agent ref, task id or request id. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
