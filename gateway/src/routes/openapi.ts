/**
 * `GET /openapi.json`: the v1 HTTP API as an OpenAPI 3.1 document, so callers can generate clients.
 * Kept next to the routes it describes; the contract suite checks that every path here answers.
 */
import { Hono } from "hono";
import { A2A_OPENAPI_PATHS } from "../doors/a2a/openapi.ts";
import { DOOR_PATHS } from "../doors/openapi-paths.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { VERSION } from "../version.ts";
import { INBOX_PATHS } from "./openapi-inbox-paths.ts";
import { errorResponse, idParam, json, ok, ref, refParam, SCHEMAS } from "./openapi-schemas.ts";

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
    schemas: SCHEMAS,
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
    "/v1/node": {
      get: {
        description:
          "Admin only. This node's share of the fleet: agents connected, requests in flight, RSS and the open-files limit, and the most agents it takes (agents_max, from AGENT_MESH_MAX_AGENTS or the open-files limit; null on Workers or when unknown); on the fs store its live data and limit (store_live_bytes, store_max_live_bytes: AGENT_MESH_FS_MAX_MB); what SSE callers left unread and its limit (unread_bytes, unread_max_bytes: AGENT_MESH_MAX_UNREAD_TOTAL_BYTES; null on Workers); what requests keep of their output for callers that re-attach and its limit (resume_bytes, resume_max_bytes: AGENT_MESH_MAX_RESUME_BYTES; null on Workers); in a cluster what the logs of its calls keep in Redis, held to resume_max_bytes too (cluster_log_bytes; null when not a cluster node). In a cluster each node answers for itself.",
        responses: {
          "200": ok("Node figures", {
            type: "object",
            properties: {
              runtime: { type: "string" },
              version: { type: "string" },
              node_id: { type: ["string", "null"] },
              uptime_seconds: { type: "integer" },
              agents_connected: { type: ["integer", "null"] },
              requests_in_flight: { type: ["integer", "null"] },
              rss_bytes: { type: ["integer", "null"] },
              open_files_limit: { type: ["integer", "null"] },
              agents_max: { type: ["integer", "null"] },
              store_live_bytes: { type: ["integer", "null"] },
              store_max_live_bytes: { type: ["integer", "null"] },
              unread_bytes: { type: ["integer", "null"] },
              unread_max_bytes: { type: ["integer", "null"] },
              resume_bytes: { type: ["integer", "null"] },
              resume_max_bytes: { type: ["integer", "null"] },
              cluster_log_bytes: { type: ["integer", "null"] },
            },
          }),
          "403": errorResponse("Not admin"),
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
        description:
          "Admin only. Tokens by id, one page at a time: pass `next_cursor` as `cursor` for the next page (null on the last). `kind` keeps some kinds (comma-separated).",
        parameters: [
          {
            name: "kind",
            in: "query",
            schema: { type: "string" },
            description: "user, agent, admin (comma-separated)",
          },
          {
            name: "limit",
            in: "query",
            schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
          },
          { name: "cursor", in: "query", schema: { type: "string" } },
        ],
        responses: {
          "200": ok("Tokens (no secrets)", {
            type: "object",
            properties: { tokens: { type: "array" }, next_cursor: { type: ["string", "null"] } },
          }),
          "400": errorResponse("Invalid kind, limit or cursor"),
        },
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
          { name: "mine", in: "query", schema: { enum: ["true"] }, description: "Only your own agents." },
          {
            name: "limit",
            in: "query",
            schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
          },
          { name: "cursor", in: "query", schema: { type: "string" } },
        ],
        description:
          "Public agents and your own (an admin: all), by lowercase name, one page at a time: pass `next_cursor` as `cursor` for the next page; null on the last.",
        responses: {
          "200": ok("Public agents and your own", {
            type: "object",
            properties: {
              agents: { type: "array", items: ref("Agent") },
              next_cursor: { type: ["string", "null"] },
            },
          }),
          "400": errorResponse("Invalid limit or cursor"),
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
        description:
          "One-time connect ticket (15 minutes): `{ticket, url, expires_at, agent: {id, name, type}, command?, command_needs?}`; `command` is the line to paste on the agent's machine when this gateway serves the connector package. An exec agent's line lacks the program the agent runs: `command_needs` (`-- <command> [args...]`) is what the owner appends.",
        responses: { "201": ok("Ticket", { type: "object" }) },
      },
    },
    "/dl/agent-mesh.tgz": {
      get: {
        security: [],
        description: "Redirects (302) to the connector package of this gateway's version.",
        responses: {
          "302": { description: "To /dl/agent-mesh-<version>.tgz" },
          "404": errorResponse("connector_unavailable"),
        },
      },
    },
    "/dl/{file}": {
      get: {
        security: [],
        description:
          "The connector package (`agent-mesh-<version>.tgz`, an npm tarball; `npx -y <url> --help`).",
        parameters: [{ name: "file", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": { description: "The tarball", content: { "application/gzip": {} } },
          "404": {
            description: "not_found or connector_unavailable (plain text `<code>: <message>`, for npm)",
          },
        },
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
          "With `Accept: text/event-stream`: SSE events `chunk`, `done`, `error`. Plain JSON: waits for the result. With `async: true`: 202 and a task. An agent online as a person's interactive session (no connector) is asked in its inbox: its reply is the result (`ask_id` in JSON, header `x-agent-mesh-ask-id` on the stream); `ask_timeout` when none comes within the sync timeout.",
        requestBody: json(ref("Message")),
        responses: {
          "200": {
            description: "Result (JSON) or an event stream",
            content: { "application/json": { schema: ref("Result") }, "text/event-stream": {} },
          },
          "202": ok("Task queued", ref("Task")),
          "400": errorResponse("invalid_request, callback_url_forbidden"),
          "413": errorResponse("body_too_large, message_too_large"),
          "429": errorResponse("agent_busy, inbox_full"),
          "503": errorResponse("agent_offline"),
          "504": errorResponse("agent_timeout, ask_timeout"),
          "507": errorResponse("store_full"),
        },
      },
    },
    "/v1/agents/{ref}/messages/{request_id}": {
      parameters: [refParam, { name: "request_id", in: "path", required: true, schema: { type: "string" } }],
      delete: {
        description:
          "Stops a running live call of yours now (the agent gets `cancel`; attached streams end with `error canceled`).",
        responses: {
          "200": ok("Stopped", { type: "object" }),
          "404": errorResponse("No running call of yours"),
        },
      },
      get: {
        description:
          "Re-attach to a live SSE call after a dropped connection: send `Last-Event-ID` (the last `id` seen) and get every later event once. The id comes in the call's `x-agent-mesh-request-id` header; calls stay re-attachable for `AGENT_MESH_RESUME_MS` after the caller left.",
        responses: {
          "200": { description: "The rest of the event stream", content: { "text/event-stream": {} } },
          "404": errorResponse("request_not_found"),
          "410": errorResponse("resume_gap"),
        },
      },
    },
    "/v1/tasks": {
      get: {
        description: "The caller's tasks, newest first.",
        parameters: [
          { name: "agent", in: "query", schema: { type: "string" } },
          { name: "status", in: "query", schema: { type: "string" } },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 50 } },
          { name: "cursor", in: "query", schema: { type: "string" } },
        ],
        responses: {
          "200": ok("A page of tasks", {
            type: "object",
            properties: {
              tasks: { type: "array", items: ref("Task") },
              next_cursor: { type: ["string", "null"] },
            },
          }),
        },
      },
    },
    "/v1/tasks/{id}": {
      parameters: [idParam],
      get: { responses: { "200": ok("The task", ref("Task")), "404": errorResponse("task_not_found") } },
      delete: { responses: { "200": ok("Canceled", ref("Task")), "409": errorResponse("task_finished") } },
    },
    "/v1/tasks/{id}/events": {
      parameters: [idParam],
      get: {
        description:
          "Follow the task's current turn over SSE: `status`, `chunk` (with `id: <seq>`), then `done` or `error` with the task. `Last-Event-ID` replays what a re-attaching follower missed.",
        responses: { "200": { description: "Event stream", content: { "text/event-stream": {} } } },
      },
    },
    "/v1/tasks/{id}/messages": {
      parameters: [idParam],
      post: {
        description:
          "Answer an input-required task: its next turn runs with this message in the same session.",
        requestBody: json({
          type: "object",
          required: ["message"],
          properties: { message: { type: "string" } },
        }),
        responses: { "202": ok("Next turn queued", ref("Task")), "409": errorResponse("task_not_waiting") },
      },
    },
    ...INBOX_PATHS,
    "/v1/attachments/{request}/{name}": {
      parameters: [
        { name: "request", in: "path", required: true, schema: { type: "string" } },
        { name: "name", in: "path", required: true, schema: { type: "string" } },
        {
          name: "agent",
          in: "query",
          description:
            "GET: the agent's id (as in the done frame's url); PUT: the uploading agent (id or name)",
          schema: { type: "string" },
        },
      ],
      get: {
        description:
          "Only the request's caller, until the task TTL (AGENT_MESH_TASK_TTL_MS) has passed since the upload.",
        responses: {
          "200": { description: "The file" },
          "404": errorResponse("Not yours, unknown or expired"),
        },
      },
      put: {
        description:
          "The connector uploads a file its agent produced; files are kept per agent, for the task TTL from the upload.",
        responses: {
          "201": ok("Stored", { type: "object" }),
          "409": errorResponse("attachment_exists: already handed to the request's caller"),
        },
      },
    },
    ...DOOR_PATHS,
    ...A2A_OPENAPI_PATHS,
  },
} as const;

export const openapiRoutes = new Hono<GatewayEnv>().get("/openapi.json", (c) => c.json(OPENAPI_DOCUMENT));
