/** OpenAPI paths of agents' inboxes and asks (spread into routes/openapi.ts). */
import { errorResponse, json, ok, ref, refParam } from "./openapi-schemas.ts";

export const INBOX_PATHS = {
  "/v1/agents/{ref}/inbox": {
    parameters: [refParam],
    post: {
      description:
        "Leave a message in the agent's inbox (anyone who may call it). The sender is taken from the credential; `X-Agent-Mesh-As: <your agent>` sends as one of your agents. Counts against the token's rate limit. The message is not blank, at most 65,536 characters (UTF-16 code units, not bytes) and well-formed Unicode (no lone surrogates).",
      requestBody: json({
        type: "object",
        required: ["message"],
        properties: { message: { type: "string" } },
      }),
      responses: {
        "201": ok("Stored", ref("InboxMessage")),
        "400": errorResponse("invalid_request"),
        "403": errorResponse("not_your_agent"),
        "413": errorResponse("message_too_large"),
        "429": errorResponse("inbox_full, rate_limited (with Retry-After)"),
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
        "Answer an ask addressed to this agent; the asker's waiting call returns the reply. The reply to an ask with task_id is that task's result. The answer adds `delivered`: false (with `reason`) when nobody can receive the reply: the asker stopped waiting and has no inbox (a person's token, a share link). A reply to a plain message (not an ask) is refused with ask_not_found, saying so.",
      requestBody: json({
        type: "object",
        required: ["message"],
        properties: { message: { type: "string" } },
      }),
      responses: {
        "201": ok("The reply, with `delivered` (boolean) and, when false, `reason`", ref("InboxMessage")),
        "400": errorResponse("invalid_request"),
        "404": errorResponse("ask_not_found"),
        "409": errorResponse("already_replied | task_taken"),
      },
    },
  },
  "/v1/agents/{ref}/asks": {
    parameters: [refParam],
    post: {
      description:
        "Put an ask in the agent's inbox and wait for its reply. Counts against the token's rate limit.",
      requestBody: json({
        type: "object",
        required: ["message"],
        properties: { message: { type: "string" }, timeout_seconds: { type: "integer", default: 120 } },
      }),
      responses: {
        "200": ok("The reply", { type: "object" }),
        "429": errorResponse("inbox_full, rate_limited (with Retry-After)"),
        "504": errorResponse("ask_timeout"),
      },
    },
  },
} as const;
