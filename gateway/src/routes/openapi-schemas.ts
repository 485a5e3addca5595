/** Shared pieces of the OpenAPI document (routes/openapi.ts): the component schemas and small builders. */

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: object) => ({ content: { "application/json": { schema } } });
export const errorResponse = (description: string) => ({ description, ...json(ref("Error")) });
export const ok = (description: string, schema: object) => ({ description, ...json(schema) });
export const refParam = {
  name: "ref",
  in: "path",
  required: true,
  description: "Agent id or name (any case)",
  schema: { type: "string" },
};
export const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };

export const SCHEMAS = {
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", description: "stable snake_case code" },
          message: { type: "string" },
        },
      },
    },
  },
  InboxMessage: {
    type: "object",
    properties: {
      id: { type: "string" },
      kind: { enum: ["message", "ask", "reply"] },
      to: { type: "object" },
      from: {
        type: "object",
        description: "Verified by the gateway",
        properties: {
          user: { type: "string" },
          agent_id: { type: "string" },
          agent_name: { type: "string" },
          label: {
            type: "string",
            description: "A share link's holder (user `share.<id>`): the link's label when it was sent",
          },
        },
      },
      text: { type: "string" },
      in_reply_to: { type: "string" },
      task_id: {
        type: "string",
        description:
          "An ask that offers this queued task to the agent's person's session: replying to it completes the task with the reply (409 task_taken if its connector took it first). On the reply: the task it completed.",
      },
      created_at: { type: "string", format: "date-time" },
      deliveries: {
        type: "integer",
        description: "Times handed out; above 1 means redelivered after a lease ran out",
      },
      leased_until: {
        type: "string",
        format: "date-time",
        description:
          "In a fetch's answer: when its lease ends (unacknowledged by then, it is handed out again)",
      },
    },
  },
  Agent: {
    type: "object",
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      owner: { type: "string" },
      description: { type: "string" },
      type: { type: "string" },
      visibility: { enum: ["private", "public"] },
      capabilities: { type: "array", items: { type: "string" } },
      online: { type: "boolean" },
      mode: {
        enum: ["served", "interactive", "offline"],
        description: "served: a connector runs each request; interactive: a person's session reads the inbox",
      },
      last_seen: { type: ["string", "null"], format: "date-time" },
      created_at: { type: "string", format: "date-time" },
      updated_at: { type: "string", format: "date-time" },
    },
  },
  AgentInput: {
    type: "object",
    properties: {
      name: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$" },
      description: { type: "string", maxLength: 1024 },
      type: { type: "string" },
      visibility: { enum: ["private", "public"] },
      capabilities: { type: "array", items: { type: "string" } },
    },
  },
  Message: {
    type: "object",
    required: ["message"],
    properties: {
      message: { type: "string" },
      session_id: { type: "string", pattern: "^[A-Za-z0-9._-]{1,128}$" },
      async: { type: "boolean" },
      callback_url: { type: "string", format: "uri" },
    },
  },
  Attachment: {
    type: "object",
    properties: { name: { type: "string" }, size: { type: "integer" }, url: { type: "string" } },
  },
  Result: {
    type: "object",
    properties: {
      result: { type: "string" },
      session_id: { type: "string" },
      attachments: { type: "array", items: ref("Attachment") },
      ask_id: {
        type: "string",
        description: "Set when the agent is a person's interactive session: the ask its reply answered.",
      },
    },
  },
  Task: {
    type: "object",
    properties: {
      task_id: { type: "string" },
      status: { enum: ["submitted", "working", "input-required", "completed", "failed", "canceled"] },
      a2a_state: { type: "string" },
      message: { type: "string", description: "what the caller asked in the current turn" },
      turn: { type: "integer", description: "1 for the first message; each continuation adds one" },
      result: { type: "string" },
      error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
      attachments: { type: "array", items: ref("Attachment") },
      session_id: { type: "string" },
      inbox_ask: {
        type: "string",
        description:
          "queued, and offered to the agent's person's session as this ask in its inbox (no connector serves the agent); the reply completes the task",
      },
      prompt: {
        type: "object",
        description:
          "the permission prompt the running turn waits on (answer with POST /v1/tasks/{id}/input)",
      },
      withdrawn_prompt: {
        type: "object",
        description:
          "the last prompt the agent decided by itself ({prompt_id, withdrawn, decision: deny, reason: timeout, message}); answers to it get 409 prompt_withdrawn",
      },
      callback_secret: {
        type: "string",
        description: "only in the 202 answer when callback_url was given",
      },
    },
  },
} as const;
