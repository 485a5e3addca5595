/**
 * The HTTP+JSON (REST) binding: routes relative to the agent's base URL, JSON bodies in and out
 * (`application/a2a+json`), errors as `google.rpc.Status` bodies with the matching HTTP status.
 */
import { A2aError, a2aErrors, restErrorBody, toA2aError } from "./errors.ts";
import * as ops from "./operations.ts";
import { isObject } from "./parse.ts";
import { sseResponse, streamMessage, subscribeToTask } from "./stream.ts";

type Params = Record<string, unknown>;

export interface RestRequest {
  method: string;
  /** The path after the agent's base, without a trailing slash: `/message:send`, `/tasks/<id>:cancel`, … */
  path: string;
  query: Params;
  /** Reads the JSON body (an empty body is `{}`). */
  body(): Promise<unknown>;
  lastEventId?: string;
}

const A2A_JSON = { "content-type": "application/a2a+json" };

export function restErrorResponse(error: unknown): Response {
  const a2a = toA2aError(error);
  const headers: Record<string, string> = { ...A2A_JSON, ...a2a.headers };
  if (a2a.httpStatus === 401) headers["www-authenticate"] = "Bearer";
  return new Response(JSON.stringify(restErrorBody(a2a)), { status: a2a.httpStatus, headers });
}

const json = (value: unknown) => new Response(JSON.stringify(value), { headers: A2A_JSON });
const bare = (result: string) => result;

async function bodyObject(request: RestRequest): Promise<Params> {
  const body = await request.body();
  if (!isObject(body)) throw a2aErrors.invalidParams("The body must be a JSON object.");
  return body;
}

type Handler = (call: ops.A2aCall, request: RestRequest, ids: string[]) => Promise<Response>;

/** [method(s), path pattern, handler]; ids are the pattern's captured, URL-decoded path segments. */
const ROUTES: Array<[string[], RegExp, Handler]> = [
  [
    ["POST"],
    /^\/message:send$/,
    async (call, req) => json(await ops.sendMessage(call, await bodyObject(req))),
  ],
  [
    ["POST"],
    /^\/message:stream$/,
    async (call, req) => sseResponse(call, bare, await streamMessage(call, await bodyObject(req))),
  ],
  [["GET"], /^\/tasks$/, async (call, req) => json(await ops.listTasks(call, req.query))],
  [
    ["GET"],
    /^\/tasks\/([^/:]+)$/,
    async (call, req, [id]) => json(await ops.getTask(call, { ...req.query, id })),
  ],
  [
    ["POST"],
    /^\/tasks\/([^/:]+):cancel$/,
    async (call, _req, [id]) => json(await ops.cancelTask(call, { id })),
  ],
  [
    ["GET", "POST"],
    /^\/tasks\/([^/:]+):subscribe$/,
    async (call, req, [id]) => sseResponse(call, bare, await subscribeToTask(call, { id }, req.lastEventId)),
  ],
  [
    ["POST"],
    /^\/tasks\/([^/:]+)\/pushNotificationConfigs$/,
    async (call, req, [taskId]) =>
      json(await ops.createPushConfig(call, { ...(await bodyObject(req)), taskId })),
  ],
  [
    ["GET"],
    /^\/tasks\/([^/:]+)\/pushNotificationConfigs$/,
    async (call, _req, [taskId]) => json(await ops.listPushConfigs(call, { taskId })),
  ],
  [
    ["GET"],
    /^\/tasks\/([^/:]+)\/pushNotificationConfigs\/([^/:]+)$/,
    async (call, _req, [taskId, id]) => json(await ops.getPushConfig(call, { taskId, id })),
  ],
  [
    ["DELETE"],
    /^\/tasks\/([^/:]+)\/pushNotificationConfigs\/([^/:]+)$/,
    async (call, _req, [taskId, id]) => json(await ops.deletePushConfig(call, { taskId, id })),
  ],
  [
    ["GET"],
    /^\/extendedAgentCard$/,
    async () => {
      throw new A2aError(
        "ExtendedAgentCardNotConfigured",
        "no_extended_card",
        "This agent has no extended card; its public card says everything.",
      );
    },
  ],
];

/** The handler for a method and path, or the error for a path that names no operation. */
export function matchRest(method: string, path: string): { run: Handler; ids: string[] } | A2aError {
  let pathKnown = false;
  for (const [methods, pattern, run] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    pathKnown = true;
    if (!methods.includes(method)) continue;
    try {
      return { run, ids: match.slice(1).map((part) => decodeURIComponent(part)) };
    } catch {
      return new A2aError("InvalidParams", "invalid_request", "The path holds malformed %-escapes.");
    }
  }
  return new A2aError(
    "MethodNotFound",
    "method_not_found",
    pathKnown
      ? `${method} is not allowed on ${path}.`
      : `No A2A operation at ${path}. REST paths: /message:send, /message:stream, /tasks, /tasks/{id}, /tasks/{id}:cancel, /tasks/{id}:subscribe, /tasks/{id}/pushNotificationConfigs[/{configId}].`,
  );
}
