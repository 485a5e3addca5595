/**
 * A2A errors in both bindings' shapes. Every refusal of the A2A door is an `A2aError` of one kind; the JSON-RPC
 * binding renders it as a JSON-RPC error (A2A codes −32001…−32009, standard codes −32700…−32603), the REST
 * binding as a `google.rpc.Status` body. Both carry a `google.rpc.ErrorInfo` whose `metadata.code` is the mesh's
 * own stable snake_case code, so a person can look it up in the docs.
 */
import { ApiError, storeRefusal } from "../../errors.ts";

export type A2aErrorKind = keyof typeof KINDS;

/** JSON-RPC code, HTTP status, google.rpc status name and ErrorInfo reason of each kind. */
const KINDS = {
  ParseError: { rpc: -32700, http: 400, status: "INVALID_ARGUMENT", reason: "PARSE_ERROR" },
  InvalidRequest: { rpc: -32600, http: 400, status: "INVALID_ARGUMENT", reason: "INVALID_REQUEST" },
  MethodNotFound: { rpc: -32601, http: 404, status: "NOT_FOUND", reason: "METHOD_NOT_FOUND" },
  InvalidParams: { rpc: -32602, http: 400, status: "INVALID_ARGUMENT", reason: "INVALID_PARAMS" },
  Internal: { rpc: -32603, http: 500, status: "INTERNAL", reason: "INTERNAL" },
  TaskNotFound: { rpc: -32001, http: 404, status: "NOT_FOUND", reason: "TASK_NOT_FOUND" },
  TaskNotCancelable: {
    rpc: -32002,
    http: 400,
    status: "FAILED_PRECONDITION",
    reason: "TASK_NOT_CANCELABLE",
  },
  PushNotificationNotSupported: {
    rpc: -32003,
    http: 400,
    status: "FAILED_PRECONDITION",
    reason: "PUSH_NOTIFICATION_NOT_SUPPORTED",
  },
  UnsupportedOperation: {
    rpc: -32004,
    http: 400,
    status: "FAILED_PRECONDITION",
    reason: "UNSUPPORTED_OPERATION",
  },
  ContentTypeNotSupported: {
    rpc: -32005,
    http: 400,
    status: "INVALID_ARGUMENT",
    reason: "CONTENT_TYPE_NOT_SUPPORTED",
  },
  InvalidAgentResponse: { rpc: -32006, http: 502, status: "INTERNAL", reason: "INVALID_AGENT_RESPONSE" },
  ExtendedAgentCardNotConfigured: {
    rpc: -32007,
    http: 400,
    status: "FAILED_PRECONDITION",
    reason: "EXTENDED_AGENT_CARD_NOT_CONFIGURED",
  },
  VersionNotSupported: {
    rpc: -32009,
    http: 400,
    status: "FAILED_PRECONDITION",
    reason: "VERSION_NOT_SUPPORTED",
  },
  // Mesh refusals with no A2A error of their own: implementation-defined JSON-RPC server errors (−32000 range).
  Unauthenticated: { rpc: -32010, http: 401, status: "UNAUTHENTICATED", reason: "UNAUTHENTICATED" },
  PermissionDenied: { rpc: -32011, http: 403, status: "PERMISSION_DENIED", reason: "PERMISSION_DENIED" },
  AgentNotFound: { rpc: -32012, http: 404, status: "NOT_FOUND", reason: "AGENT_NOT_FOUND" },
  TooLarge: { rpc: -32013, http: 413, status: "INVALID_ARGUMENT", reason: "PAYLOAD_TOO_LARGE" },
  ResourceExhausted: { rpc: -32014, http: 429, status: "RESOURCE_EXHAUSTED", reason: "RESOURCE_EXHAUSTED" },
  Unavailable: { rpc: -32015, http: 503, status: "UNAVAILABLE", reason: "UNAVAILABLE" },
} as const;

export class A2aError extends Error {
  readonly kind: A2aErrorKind;
  /** The mesh's stable snake_case code. */
  readonly code: string;
  /** Response headers the refusal needs (see `ApiError.headers`). */
  readonly headers: Record<string, string>;
  constructor(kind: A2aErrorKind, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.kind = kind;
    this.code = code;
    this.headers = headers;
  }
  get httpStatus(): number {
    return KINDS[this.kind].http;
  }
}

export const a2aErrors = {
  taskNotFound: (id: string) =>
    new A2aError("TaskNotFound", "task_not_found", `No task ${id} of yours with this agent.`),
  invalidParams: (message: string) => new A2aError("InvalidParams", "invalid_request", message),
  unsupportedPart: (what: string) =>
    new A2aError(
      "ContentTypeNotSupported",
      "unsupported_part",
      `${what} This gateway carries text parts (text/plain, text/markdown or any text/*) and data parts (sent to the agent as JSON text); send file contents as text, or a link to the file as text.`,
    ),
};

/** Our own refusals (thrown by the call service) as A2A errors. */
const FROM_API: Record<string, A2aErrorKind> = {
  task_not_found: "TaskNotFound",
  task_finished: "TaskNotCancelable",
  task_not_waiting: "UnsupportedOperation",
  prompt_withdrawn: "UnsupportedOperation",
  invalid_request: "InvalidParams",
  session_not_found: "InvalidParams",
  invalid_json: "ParseError",
  unauthorized: "Unauthenticated",
  token_revoked: "Unauthenticated",
  forbidden: "PermissionDenied",
  agent_not_found: "AgentNotFound",
  body_too_large: "TooLarge",
  agent_busy: "ResourceExhausted",
  store_full: "ResourceExhausted",
  rate_limited: "ResourceExhausted",
  agent_offline: "Unavailable",
};

/** Any thrown value as an A2aError; unknown errors become `Internal` with a message that leaks nothing. */
export function toA2aError(error: unknown): A2aError {
  if (error instanceof A2aError) return error;
  if (error instanceof ApiError) {
    const kind = FROM_API[error.code] ?? (error.status >= 500 ? "Internal" : "InvalidRequest");
    return new A2aError(kind, error.code, error.message, error.headers);
  }
  // The store refused (unreachable, read-only, full): the caller gets the same code and advice as on /v1.
  const refusal = storeRefusal(error);
  if (refusal) {
    const kind = refusal.code === "store_full" ? "ResourceExhausted" : "Unavailable";
    return new A2aError(kind, refusal.code, refusal.message);
  }
  return new A2aError("Internal", "internal_error", "The gateway hit an unexpected error; it was logged.");
}

function errorInfo(error: A2aError) {
  return {
    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
    reason: KINDS[error.kind].reason,
    domain: "a2a-protocol.org",
    metadata: { code: error.code },
  };
}

/** The `error` member of a JSON-RPC response. */
export function jsonRpcError(error: A2aError) {
  return { code: KINDS[error.kind].rpc, message: error.message, data: [errorInfo(error)] };
}

/** A REST error body (`google.rpc.Status` under `error`). */
export function restErrorBody(error: A2aError) {
  const kind = KINDS[error.kind];
  return {
    error: { code: kind.http, status: kind.status, message: error.message, details: [errorInfo(error)] },
  };
}
