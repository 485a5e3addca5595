/** OpenAPI paths of agents' inboxes and asks (spread into routes/openapi.ts). */
import { errorResponse, json, ok, ref, refParam } from "./openapi-schemas.ts";

export const INBOX_PATHS = {
  "/v1/agents/{ref}/inbox": {
    parameters: [refParam],
    post: {
      description:
        "Leave a message in the agent's inbox (anyone who may call it). The sender is taken from the credential; `X-Agent-Mesh-As: <your agent>` sends as one of your agents.",
      requestBody: json({
        type: "object",
        required: ["message"],
        properties: { message: { type: "string" } },
      }),
      responses: {
        "201": ok("Stored", ref("InboxMessage")),
        "403": errorResponse("not_your_agent"),
        "413": errorResponse("message_too_large"),
        "429": errorResponse("inbox_full"),
        "507": errorResponse("store_full"),
      },
    },
    get: {
      description:
        "Owner or the agent's own credential: unacknowledged messages, oldest first, each leased for `lease` seconds (redelivered after that unless acknowledged). `wait` long-polls up to 30 s. `peek=true` only looks: every unacknowledged message, leased or not, unchanged (for a person reading the inbox beside the agent's own reader).",
      parameters: [
        { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
        { name: "wait", in: "query", schema: { type: "integer", minimum: 0, maximum: 30, default: 0 } },
        { name: "lease", in: "query", schema: { type: "integer", minimum: 1, maximum: 3600, default: 60 } },
        { name: "peek", in: "query", schema: { type: "boolean", default: false } },
      ],
      responses: {
        "200": ok("Messages", {
          type: "object",
          properties: {
            messages: { type: "array", items: ref("InboxMessage") },
            unread: { type: "integer" },
          },
        }),
      },
    },
  },
  "/v1/agents/{ref}/inbox/presence": {
    parameters: [refParam],
    put: {
      description:
        "Owner or the agent's credential: the agent is online as an interactive session for 60 s (beat every 20 s); asks and messages to it then go to its inbox.",
      responses: { "200": ok("Present", { type: "object" }) },
    },
    delete: { responses: { "200": ok("Gone", { type: "object" }) } },
  },
  "/v1/agents/{ref}/inbox/ack": {
    parameters: [refParam],
    post: {
      requestBody: json({
        type: "object",
        properties: { ids: { type: "array", items: { type: "string" } } },
      }),
      responses: { "200": ok("Acknowledged (gone) and unknown ids", { type: "object" }) },
    },
  },
  "/v1/agents/{ref}/inbox/{message_id}/reply": {
    parameters: [refParam, { name: "message_id", in: "path", required: true, schema: { type: "string" } }],
    post: {
      description:
        "Answer an ask addressed to this agent; the asker's waiting call returns the reply. The reply to an ask with task_id is that task's result.",
      requestBody: json({
        type: "object",
        required: ["message"],
        properties: { message: { type: "string" } },
      }),
      responses: {
        "201": ok("The reply", ref("InboxMessage")),
        "404": errorResponse("ask_not_found"),
        "409": errorResponse("already_replied | task_taken"),
      },
    },
  },
  "/v1/agents/{ref}/asks": {
    parameters: [refParam],
    post: {
      description: "Put an ask in the agent's inbox and wait for its reply.",
      requestBody: json({
        type: "object",
        required: ["message"],
        properties: { message: { type: "string" }, timeout_seconds: { type: "integer", default: 120 } },
      }),
      responses: {
        "200": ok("The reply", { type: "object" }),
        "504": errorResponse("ask_timeout"),
      },
    },
  },
} as const;
