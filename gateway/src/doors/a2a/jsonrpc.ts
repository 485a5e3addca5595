/**
 * The JSON-RPC 2.0 binding: one POST to the agent's base URL per request (no batches), v1.0 method names.
 * Errors are JSON-RPC error responses carrying the request's id; they travel with HTTP 200 except refusals of
 * the transport itself (401 no or bad token, 403 missing scope, 413 body too large).
 */
import { A2aError, jsonRpcError, toA2aError } from "./errors.ts";
import * as ops from "./operations.ts";
import { isObject } from "./parse.ts";
import { sseResponse, streamMessage, subscribeToTask } from "./stream.ts";

type Id = string | number | null;
type Params = Record<string, unknown>;

const UNARY: Record<string, (call: ops.A2aCall, params: Params) => Promise<unknown>> = {
  SendMessage: ops.sendMessage,
  GetTask: ops.getTask,
  ListTasks: ops.listTasks,
  CancelTask: ops.cancelTask,
  CreateTaskPushNotificationConfig: ops.createPushConfig,
  GetTaskPushNotificationConfig: ops.getPushConfig,
  ListTaskPushNotificationConfigs: ops.listPushConfigs,
  DeleteTaskPushNotificationConfig: ops.deletePushConfig,
  GetExtendedAgentCard: async () => {
    throw new A2aError(
      "ExtendedAgentCardNotConfigured",
      "no_extended_card",
      "This agent has no extended card; its public card says everything.",
    );
  },
};
const STREAMING = new Set(["SendStreamingMessage", "SubscribeToTask"]);
const TRANSPORT_STATUSES = new Set([401, 403, 413]);

export function jsonRpcErrorResponse(id: Id, error: unknown): Response {
  const a2a = toA2aError(error);
  const status = TRANSPORT_STATUSES.has(a2a.httpStatus) ? a2a.httpStatus : 200;
  const headers: Record<string, string> = { ...a2a.headers };
  if (status === 401) headers["www-authenticate"] = "Bearer";
  return Response.json({ jsonrpc: "2.0", id, error: jsonRpcError(a2a) }, { status, headers });
}

/** A parsed request envelope, or the error to answer with. */
export function readEnvelope(body: unknown): { id: Id; method: string; params: Params } | A2aError {
  if (Array.isArray(body))
    return new A2aError(
      "InvalidRequest",
      "batch_not_supported",
      "Batch requests are not supported; send one JSON-RPC request per POST.",
    );
  if (!isObject(body))
    return new A2aError("InvalidRequest", "invalid_request", "The body must be a JSON-RPC request object.");
  if (body.jsonrpc !== "2.0")
    return new A2aError("InvalidRequest", "invalid_request", 'jsonrpc must be "2.0".');
  const id = body.id;
  if (typeof id !== "string" && typeof id !== "number")
    return new A2aError(
      "InvalidRequest",
      "invalid_request",
      "id is required (a string or number); notifications are not supported.",
    );
  if (typeof body.method !== "string")
    return new A2aError("InvalidRequest", "invalid_request", "method must be a string.");
  const params = body.params ?? {};
  if (!isObject(params)) return new A2aError("InvalidParams", "invalid_request", "params must be an object.");
  return { id, method: body.method, params };
}

/** Checks the method before any work, so an unknown one is refused the same for everyone. */
export function checkMethod(method: string): A2aError | null {
  if (method in UNARY || STREAMING.has(method)) return null;
  const hint = method.includes("/")
    ? " This endpoint speaks A2A v1.0 (PascalCase methods such as SendMessage); v0.3 names are not served."
    : "";
  return new A2aError(
    "MethodNotFound",
    "method_not_found",
    `No method ${method}. Methods: ${[...Object.keys(UNARY), ...STREAMING].join(", ")}.${hint}`,
  );
}

export async function dispatchJsonRpc(
  call: ops.A2aCall,
  request: { id: Id; method: string; params: Params },
  lastEventId: string | undefined,
): Promise<Response> {
  const { id, method, params } = request;
  const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`;
  const wrap = (result: string) => `${head}${result}}`;
  if (method === "SendStreamingMessage") return sseResponse(call, wrap, await streamMessage(call, params));
  if (method === "SubscribeToTask")
    return sseResponse(call, wrap, await subscribeToTask(call, params, lastEventId));
  const result = await UNARY[method]!(call, params);
  return Response.json({ jsonrpc: "2.0", id, result });
}
