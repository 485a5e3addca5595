/**
 * Every refusal the gateway makes: an HTTP status, a stable snake_case code and a message a person can act on.
 * Handlers throw `ApiError`; one `onError` renders `{ "error": { "code", "message" } }`.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class ApiError extends HTTPException {
  readonly code: string;
  /** Response headers the refusal needs (`Retry-After` of a 429), whichever door renders it. */
  readonly headers: Record<string, string> | undefined;
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(status, { message, cause: options?.cause });
    this.code = code;
    this.headers = options?.headers;
  }
}

/**
 * A live call found no connector, but the agent is online as a person's session (`agent-mesh claude --as` and
 * the like), which reads its inbox: the doors that make live calls (`/v1` and share-link messages, MCP
 * `ask_agent`) catch this and ask there instead, except through a share link not made to reach sessions, which
 * refuses with it as it is.
 */
export class PersonsSession extends ApiError {
  constructor(agentName: string) {
    super(
      503,
      "agent_offline",
      `Agent \`${agentName}\` is a person's interactive session, not served by a connector, and this door does not reach it; a message sent with "async": true waits until a connector serves it.`,
    );
  }
}

export const errors = {
  unauthorized: () =>
    new ApiError(401, "unauthorized", "Send a valid token as `Authorization: Bearer <token>`."),
  forbidden: (scope: string) => new ApiError(403, "forbidden", `This token lacks the \`${scope}\` scope.`),
  notFound: (what: string) => new ApiError(404, "not_found", `${what} not found.`),
  agentNotFound: (ref: string) =>
    new ApiError(404, "agent_not_found", `No agent \`${ref}\` that you can see. Check the name or id.`),
  invalidRequest: (message: string) => new ApiError(400, "invalid_request", message),
  conflict: (code: string, message: string) => new ApiError(409, code, message),
  invalidJson: () => new ApiError(400, "invalid_json", "The request body is not valid JSON."),
  // Refused by a runtime's HTTP parser before any route runs (runtimes/node/client-errors.ts).
  headersTooLarge: () =>
    new ApiError(
      431,
      "headers_too_large",
      "The request's URL and headers together are larger than this server accepts (16 KiB on Node): shorten them.",
    ),
  requestTimeout: () =>
    new ApiError(408, "request_timeout", "The request's headers did not arrive in time; send it again."),
  malformedRequest: () => new ApiError(400, "malformed_request", "The request is not well-formed HTTP/1.1."),
  bodyTooLarge: (limit: number) =>
    new ApiError(413, "body_too_large", `The request body is larger than ${limit} bytes.`),
  /** A public agent another user owns: visible, so saying it does not exist would mislead. */
  notYourAgent: (ref: string) =>
    new ApiError(
      403,
      "not_your_agent",
      `Agent \`${ref}\` belongs to another user: only its owner can change it, share it or connect it.`,
    ),
  agentOffline: (name: string) =>
    new ApiError(
      503,
      "agent_offline",
      `Agent \`${name}\` is not connected. Start its connector, or send with "async": true to queue the message.`,
    ),
  badHandshake: () =>
    new ApiError(
      400,
      "bad_handshake",
      "This WebSocket handshake cannot complete: send Sec-WebSocket-Key and Sec-WebSocket-Version: 13, as every WebSocket client does.",
    ),
  nodeFull: (max: number) =>
    new ApiError(
      503,
      "node_full",
      `This gateway node is full (at most ${max.toLocaleString("en-US")} agent${max === 1 ? "" : "s"} at once); retry later or connect to another node. Operators: AGENT_MESH_MAX_AGENTS and the open-files limit set the cap (docs/capacity.md).`,
      { headers: { "retry-after": "10" } },
    ),
  storeFull: (maxLiveBytes: number) =>
    new ApiError(
      507,
      "store_full",
      `This gateway's store is full (${Math.round(maxLiveBytes / 2 ** 20).toLocaleString("en-US")} MB of live data, its limit): it takes no new tasks or messages until queued work finishes or finished tasks expire. Retry later. Operators: AGENT_MESH_FS_MAX_MB sets the limit (docs/storage.md).`,
      { headers: { "retry-after": "60" } },
    ),
  agentBusy: (name: string, limit: number) =>
    new ApiError(
      429,
      "agent_busy",
      `Agent \`${name}\` is already handling ${limit} requests; retry shortly.`,
    ),
};

/** Converts a thrown value into the JSON error body and status. Unknown errors become 500 `internal_error`. */
export function renderError(error: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (error instanceof ApiError) return { status: error.status, body: errorBody(error.code, error.message) };
  const refusal = storeRefusal(error);
  if (refusal) {
    return { status: refusalStatus(refusal.code), body: errorBody(refusal.code, refusal.message) };
  }
  if (error instanceof HTTPException) {
    return {
      status: error.status,
      body: errorBody(codeForStatus(error.status), error.message || "Request refused."),
    };
  }
  return {
    status: 500,
    body: errorBody("internal_error", "The gateway hit an unexpected error; it was logged."),
  };
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

function codeForStatus(status: number): string {
  if (status === 413) return "body_too_large";
  if (status === 401) return "unauthorized";
  if (status === 404) return "not_found";
  return status >= 500 ? "internal_error" : "invalid_request";
}

/** The status of a store refusal: 507 when the store is full, else 503. */
export function refusalStatus(code: string): 503 | 507 {
  return code === "store_full" ? 507 : 503;
}

/**
 * Whether the store refused for now and may take the same write later without an operator restarting the gateway,
 * so work the gateway holds (a task to deliver, an agent's answer) is tried again rather than given up. An fs data
 * folder that cannot be written takes a restart instead (its journal is fail-stop).
 */
export function storeMayTakeItLater(error: unknown): boolean {
  return storeRefusal(error)?.passes ?? false;
}

/** A store refusal as the caller hears it; `passes`: see `storeMayTakeItLater`. */
export interface StoreRefusal {
  code: string;
  message: string;
  passes: boolean;
  /** Why, when the store said (`store_unavailable` with one is a store that answers but refuses, not an outage). */
  reason?: string;
}

/** File-system error codes that mean "this medium takes no more writes". */
const UNWRITABLE = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM"]);

/**
 * A storage failure the caller can act on: as a 503, `store_unavailable` (redis/upstash unreachable),
 * `store_read_only` (the data folder cannot be written: disk full, read-only, permissions; or Redis refuses writes:
 * a read-only replica, a disk it cannot save to) or `store_busy` (a
 * compare-and-set update lost to other writers every time); as a 507, `store_full` (Redis at its maxmemory, Upstash
 * at its data size quota).
 * Looks through `cause` chains, since a store error may wrap the system error. Null for anything else.
 */
export function storeRefusal(error: unknown): StoreRefusal | null {
  for (let at: unknown = error, depth = 0; at && typeof at === "object" && depth < 5; depth++) {
    const code = (at as { code?: unknown }).code;
    const reason = (at as { reason?: unknown }).reason;
    const why = typeof reason === "string" ? ` (${reason})` : "";
    if (code === "store_unavailable" && typeof reason === "string") {
      // Reached, but refusing every request for a while (a hosted store's request quota).
      return {
        code: "store_unavailable",
        message:
          `The gateway's store refuses its requests${why}. Retry later. Operators: see docs/storage.md (When the ` +
          "store fails).",
        passes: true,
        reason,
      };
    }
    if (code === "store_unavailable") {
      const detail = String((at as Error).message ?? "").replace(/^\[gateway\] \[store\] /, "");
      return {
        code: "store_unavailable",
        message: `The gateway cannot reach its store: ${detail}. Retry in a few seconds.`,
        passes: true,
      };
    }
    if (code === "store_full") {
      return {
        code: "store_full",
        message:
          `The gateway's store is full${why}: it takes no writes until it has room. Retry later. Operators: ` +
          "give the store more room or free some (docs/storage.md).",
        passes: true,
      };
    }
    if (code === "update_conflict") {
      return {
        code: "store_busy",
        message:
          "Other requests kept changing the same record while this one tried to; nothing was changed. Retry in a moment.",
        passes: true,
      };
    }
    if (code === "store_read_only") {
      // Raised by a Redis that refuses writes (_redis-refusals.ts): it passes once Redis is fixed.
      return {
        code: "store_read_only",
        message:
          `The gateway's store takes no writes right now${why}; reads still work. Retry later. Operators: ` +
          "see docs/storage.md (When the store fails).",
        passes: true,
      };
    }
    if (code === "journal_write_failed" || (typeof code === "string" && UNWRITABLE.has(code))) {
      return {
        code: "store_read_only",
        message:
          "The gateway's data folder cannot be written (disk full or read-only); reads still work, writes are " +
          "refused until an operator frees space or fixes permissions and restarts the gateway.",
        passes: false,
      };
    }
    at = (at as { cause?: unknown }).cause;
  }
  return null;
}
