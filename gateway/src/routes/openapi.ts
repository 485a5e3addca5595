/**
 * `GET /openapi.json`: the v1 HTTP API as an OpenAPI 3.1 document, so callers can generate clients.
 * Kept next to the routes it describes; the contract suite checks that every path here answers.
 */
import { Hono } from "hono";
import type { GatewayEnv } from "../gateway-env.ts";
import { VERSION } from "../version.ts";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { "application/json": { schema } } });
const errorResponse = (description: string) => ({ description, ...json(ref("Error")) });
const ok = (description: string, schema: object) => ({ description, ...json(schema) });
const refParam = {
  name: "ref",
  in: "path",
  required: true,
  description: "Agent id or name (any case)",
  schema: { type: "string" },
};
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };

export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Agent Mesh gateway",
    version: VERSION,
    description:
      "Relay callers to agents that connect outbound over WebSocket (`GET /v1/connect`, see the README).",
  },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    schemas: {
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
        },
      },
      Task: {
        type: "object",
        properties: {
          task_id: { type: "string" },
          status: { enum: ["submitted", "working", "input-required", "completed", "failed", "canceled"] },
          a2a_state: { type: "string" },
          result: { type: "string" },
          error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
          attachments: { type: "array", items: ref("Attachment") },
          session_id: { type: "string" },
          callback_secret: {
            type: "string",
            description: "only in the 202 answer when callback_url was given",
          },
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    "/health": {
      get: {
        security: [],
        responses: {
          "200": ok("Up", {
            type: "object",
            properties: {
              ok: { type: "boolean" },
              runtime: { type: "string" },
              store: { type: "string" },
              store_state: { type: "string", enum: ["up", "unavailable", "read_only"] },
              version: { type: "string" },
            },
          }),
          "503": ok("The store cannot serve (unreachable, or its disk takes no writes)", {
            type: "object",
            properties: {
              ok: { type: "boolean" },
              store: { type: "string" },
              store_state: { type: "string" },
              store_health: { type: "object" },
            },
          }),
        },
      },
    },
    "/v1/me": {
      get: {
        responses: {
          "200": ok("Who the token belongs to", { type: "object" }),
          "401": errorResponse("No valid token"),
        },
      },
    },
    "/v1/tokens": {
      post: {
        description: "Admin only. Creates a user token (shown once); a new name creates that user.",
        requestBody: json({
          type: "object",
          required: ["name"],
          properties: {
            name: { type: "string" },
            scopes: { type: "array", items: { enum: ["admin", "agents", "connect", "call", "publish"] } },
          },
        }),
        responses: { "201": ok("Created", { type: "object" }), "403": errorResponse("Not admin") },
      },
      get: {
        description: "Admin only.",
        responses: { "200": ok("Tokens (no secrets)", { type: "object" }) },
      },
    },
    "/v1/tokens/{id}": {
      delete: {
        parameters: [idParam],
        description:
          "Revokes a token and, within 1 s, closes agent sockets that used it or a credential issued under it.",
        responses: { "200": ok("Revoked", { type: "object" }), "404": errorResponse("Unknown") },
      },
    },
    "/v1/agents": {
      post: {
        requestBody: json(ref("AgentInput")),
        responses: {
          "201": ok("Created", ref("Agent")),
          "400": errorResponse("Invalid"),
          "409": errorResponse("Name taken"),
        },
      },
      get: {
        parameters: [
          { name: "capability", in: "query", schema: { type: "string" } },
          { name: "online", in: "query", schema: { enum: ["true"] } },
          { name: "q", in: "query", schema: { type: "string" } },
        ],
        responses: {
          "200": ok("Public agents and your own", {
            type: "object",
            properties: { agents: { type: "array", items: ref("Agent") } },
          }),
        },
      },
    },
    "/v1/agents/{ref}": {
      parameters: [refParam],
      get: {
        responses: { "200": ok("The agent", ref("Agent")), "404": errorResponse("Not found or not visible") },
      },
      patch: { requestBody: json(ref("AgentInput")), responses: { "200": ok("Updated", ref("Agent")) } },
      delete: { responses: { "200": ok("Deleted", { type: "object" }) } },
    },
    "/v1/agents/{ref}/tickets": {
      parameters: [refParam],
      post: {
        description: "One-time connect ticket (15 minutes).",
        responses: { "201": ok("Ticket", { type: "object" }) },
      },
    },
    "/v1/tickets/{ticket}": {
      post: {
        security: [],
        parameters: [{ name: "ticket", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": ok("Agent credential", { type: "object" }),
          "404": errorResponse("ticket_invalid"),
          "409": errorResponse("ticket_used"),
          "410": errorResponse("ticket_expired"),
        },
      },
    },
    "/v1/agents/{ref}/messages": {
      parameters: [refParam],
      post: {
        description:
          "With `Accept: text/event-stream`: SSE events `chunk`, `done`, `error`. Plain JSON: waits for the result. With `async: true`: 202 and a task.",
        requestBody: json(ref("Message")),
        responses: {
          "200": {
            description: "Result (JSON) or an event stream",
            content: { "application/json": { schema: ref("Result") }, "text/event-stream": {} },
          },
          "202": ok("Task queued", ref("Task")),
          "400": errorResponse("invalid_request, callback_url_forbidden"),
          "413": errorResponse("body_too_large"),
          "429": errorResponse("agent_busy"),
          "503": errorResponse("agent_offline"),
          "504": errorResponse("agent_timeout"),
        },
      },
    },
    "/v1/tasks/{id}": {
      parameters: [idParam],
      get: { responses: { "200": ok("The task", ref("Task")), "404": errorResponse("task_not_found") } },
      delete: { responses: { "200": ok("Canceled", ref("Task")), "409": errorResponse("task_finished") } },
    },
    "/v1/attachments/{request}/{name}": {
      parameters: [
        { name: "request", in: "path", required: true, schema: { type: "string" } },
        { name: "name", in: "path", required: true, schema: { type: "string" } },
      ],
      get: {
        description: "Only the request's caller.",
        responses: { "200": { description: "The file" }, "404": errorResponse("Not yours or unknown") },
      },
      put: {
        description: "The connector uploads a file its agent produced.",
        responses: { "201": ok("Stored", { type: "object" }) },
      },
    },
  },
} as const;

export const openapiRoutes = new Hono<GatewayEnv>().get("/openapi.json", (c) => c.json(OPENAPI_DOCUMENT));
