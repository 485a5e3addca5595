/** OpenAPI paths of the MCP door, share links and their management (spread into routes/openapi.ts). */
const err = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});
const obj = (description: string) => ({
  description,
  content: { "application/json": { schema: { type: "object" } } },
});
const refParam = { name: "ref", in: "path", required: true, schema: { type: "string" } };
const secretParam = {
  name: "secret",
  in: "path",
  required: true,
  description: "The share secret (`ams_…`): the link is the credential",
  schema: { type: "string" },
};
const rateLimited = err("rate_limited (with Retry-After)");

export const DOOR_PATHS = {
  "/mcp": {
    post: {
      description:
        "MCP Streamable HTTP (2026-07-28 and 2025-11-25) with the mesh tools list_agents, get_agent_status, ask_agent, send_message, get_task, cancel_task, broadcast. Bearer token with the `call` scope.",
      responses: {
        "200": { description: "JSON-RPC answer: JSON, or SSE once a tool call reports progress" },
        "401": err("unauthorized"),
        "403": err("origin_forbidden"),
        "429": rateLimited,
      },
    },
  },
  "/v1/agents/{ref}/shares": {
    parameters: [refParam],
    post: {
      description:
        "Owner only. Creates a share link (a capability to call this one agent); its url is shown once.",
      requestBody: {
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: {
                label: { type: "string", maxLength: 200 },
                expires_in: { type: "integer", minimum: 1, maximum: 7776000, default: 604800 },
                rate_limit: {
                  type: "integer",
                  minimum: 1,
                  description:
                    "requests per minute, at most the gateway's share limit (AGENT_MESH_SHARE_RATE_LIMIT, 60 per 60 s by default; a higher value is refused with 400 invalid_request)",
                },
                sessions: {
                  type: "boolean",
                  default: false,
                  description:
                    "the link also reaches the agent while a person's interactive session serves it: messages asked in its inbox, tasks offered there",
                },
              },
            },
          },
        },
      },
      responses: { "201": obj("{id, url, expires_at, …}"), "404": err("agent_not_found") },
    },
    get: { description: "Owner only.", responses: { "200": obj("{shares: [...]} (no secrets)") } },
  },
  "/v1/shares/{id}": {
    parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
    delete: {
      description:
        "Revokes a share link at once, on every door. Revoking a revoked link again is no error; `already_revoked` says so.",
      responses: { "200": obj("The revoked share"), "404": err("share_not_found") },
    },
  },
  "/s/{secret}/": {
    parameters: [secretParam],
    get: {
      security: [],
      description: "Markdown guide teaching a model to call the agent with plain HTTPS.",
      responses: {
        "200": { description: "text/markdown" },
        "404": err("share_not_found"),
        "410": err("share_expired, share_revoked"),
        "429": rateLimited,
      },
    },
  },
  "/s/{secret}/messages": {
    parameters: [secretParam],
    post: {
      security: [],
      description: "Same bodies and answers as POST /v1/agents/{ref}/messages.",
      requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Message" } } } },
      responses: { "200": { description: "Result or event stream" }, "202": obj("Task"), "429": rateLimited },
    },
  },
  "/s/{secret}/tasks/{id}": {
    parameters: [secretParam, { name: "id", in: "path", required: true, schema: { type: "string" } }],
    get: { security: [], responses: { "200": obj("The task"), "404": err("task_not_found") } },
  },
  "/s/{secret}/mcp": {
    parameters: [secretParam],
    post: {
      security: [],
      description: "MCP endpoint exposing the one agent as tools; no headers needed.",
      responses: { "200": { description: "JSON-RPC answer" }, "403": err("origin_forbidden") },
    },
  },
} as const;
