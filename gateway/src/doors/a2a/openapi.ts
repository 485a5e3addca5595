/**
 * The A2A door's paths for the gateway's OpenAPI document. The wire objects are A2A v1.0 ProtoJSON, specified
 * by the A2A project; they are described here by reference, not copied.
 */
const agentParam = {
  name: "agent",
  in: "path",
  required: true,
  description: "Agent name or id",
  schema: { type: "string" },
};
const versionHeader = {
  name: "A2A-Version",
  in: "header",
  required: true,
  description: "Must be 1.0 (or pass ?A2A-Version=1.0). v0.3 is not served.",
  schema: { const: "1.0" },
};
const taskParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const a2aJson = (description: string) => ({
  description,
  content: { "application/a2a+json": { schema: { type: "object" } } },
});
const sse = (description: string) => ({
  description,
  content: { "text/event-stream": { schema: { type: "string" } } },
});
const error = { description: "google.rpc.Status under `error`", ...a2aJson("").content };
const errors = { "400": error, "401": error, "404": error };
const op = (summary: string, ok: object, extra: object = {}) => ({
  summary,
  parameters: [versionHeader],
  responses: { "200": ok, ...errors },
  ...extra,
});
const body = (what: string) => ({
  requestBody: { content: { "application/json": { schema: { type: "object", description: what } } } },
});

export const A2A_OPENAPI_PATHS = {
  "/a2a/{agent}/.well-known/agent-card.json": {
    parameters: [agentParam],
    get: {
      summary:
        "A2A v1.0 agent card. Public agents: no token needed; private ones: a token that may see the agent.",
      security: [],
      responses: {
        "200": a2aJson("AgentCard (with ETag, Cache-Control)"),
        "304": { description: "Not modified" },
        "401": error,
        "404": error,
      },
    },
  },
  "/a2a/{agent}/": {
    parameters: [agentParam],
    post: op(
      "A2A JSON-RPC 2.0 binding: SendMessage, SendStreamingMessage, GetTask, ListTasks, CancelTask, SubscribeToTask, *TaskPushNotificationConfig(s)",
      {
        description: "JSON-RPC response, or an SSE stream of JSON-RPC responses for the streaming methods",
        content: {
          "application/json": { schema: { type: "object" } },
          "text/event-stream": { schema: { type: "string" } },
        },
      },
      body("JSON-RPC 2.0 request (no batches)"),
    ),
  },
  "/a2a/{agent}/message:send": {
    parameters: [agentParam],
    post: op(
      "SendMessage (blocks until the turn ends unless configuration.returnImmediately)",
      a2aJson("SendMessageResponse {task}"),
      body("SendMessageRequest"),
    ),
  },
  "/a2a/{agent}/message:stream": {
    parameters: [agentParam],
    post: op(
      "SendStreamingMessage",
      sse("StreamResponse events: task, then statusUpdate / artifactUpdate"),
      body("SendMessageRequest"),
    ),
  },
  "/a2a/{agent}/tasks": {
    parameters: [agentParam],
    get: op(
      "ListTasks (the caller's tasks with this agent, newest first; pageSize, pageToken, contextId, status, historyLength, statusTimestampAfter, includeArtifacts)",
      a2aJson("ListTasksResponse"),
    ),
  },
  "/a2a/{agent}/tasks/{id}": {
    parameters: [agentParam, taskParam],
    get: op("GetTask (historyLength)", a2aJson("Task")),
  },
  "/a2a/{agent}/tasks/{id}:cancel": {
    parameters: [agentParam, taskParam],
    post: op("CancelTask", a2aJson("Task, state TASK_STATE_CANCELED")),
  },
  "/a2a/{agent}/tasks/{id}:subscribe": {
    parameters: [agentParam, taskParam],
    get: op(
      "SubscribeToTask; Last-Event-ID replays the events missed",
      sse("StreamResponse events, the task first"),
    ),
    post: op("SubscribeToTask (as GET)", sse("StreamResponse events, the task first")),
  },
  "/a2a/{agent}/tasks/{id}/pushNotificationConfigs": {
    parameters: [agentParam, taskParam],
    get: op("ListTaskPushNotificationConfigs", a2aJson("ListTaskPushNotificationConfigsResponse")),
    post: op(
      "CreateTaskPushNotificationConfig (webhook URL rules as callback_url)",
      a2aJson("TaskPushNotificationConfig"),
      body("TaskPushNotificationConfig"),
    ),
  },
  "/a2a/{agent}/tasks/{id}/pushNotificationConfigs/{configId}": {
    parameters: [
      agentParam,
      taskParam,
      { name: "configId", in: "path", required: true, schema: { type: "string" } },
    ],
    get: op("GetTaskPushNotificationConfig", a2aJson("TaskPushNotificationConfig")),
    delete: op("DeleteTaskPushNotificationConfig", a2aJson("{}")),
  },
} as const;
