/**
 * Serving an MCP request from a Hono route: the SDK's `createMcpHandler` (both eras, 2026-07-28 and 2025-11-25,
 * from one endpoint) building a fresh server per request over the caller's `Mesh`. Nothing is kept between
 * requests, so it works on Workers and on several nodes. The doors load this module with their first MCP request
 * (lazy-serve.ts), not at start.
 */
import { createMcpHandler, isJsonContentType, type McpHttpHandler } from "@modelcontextprotocol/server";
import type { Context } from "hono";
import type { GatewayEnv } from "../../gateway-env.ts";
import type { GatewayServices } from "../../services.ts";
import type { Mesh } from "./mesh.ts";
import { createMeshServer } from "./server.ts";
import { MESH_TOOLS, type MeshToolDefinition } from "./tools.ts";

interface MeshAuthExtra {
  [key: string]: unknown;
  mesh: Mesh;
  tools?: MeshToolDefinition<never>[];
  instructions?: string;
}

const handlers = new WeakMap<GatewayServices, McpHttpHandler>();

function handlerFor(services: GatewayServices): McpHttpHandler {
  let handler = handlers.get(services);
  if (!handler) {
    handler = createMcpHandler(
      (ctx) => {
        const extra = ctx.authInfo?.extra as MeshAuthExtra | undefined;
        if (!extra) throw new Error("[gateway] MCP request without a mesh");
        return createMeshServer({
          mesh: extra.mesh,
          tools: extra.tools,
          instructions: extra.instructions,
          version: services.version,
          progressEveryMs: Math.min(services.config.keepaliveMs, 20_000),
          onError: (error) => services.onError(error, { stage: "mcp-tool" }),
        });
      },
      {
        legacy: "stateless",
        // One JSON body unless the handler sends something first: ask_agent's progress after a second turns a
        // lasting call into SSE (Claude Code drops plain JSON answers after about 60 s; see tools.ts).
        responseMode: "auto",
        keepAliveMs: services.config.keepaliveMs,
        maxRequestBodySize: services.config.maxBodyBytes,
      },
    );
    handlers.set(services, handler);
  }
  return handler;
}

/** Answers one MCP HTTP request with mesh tools over `mesh`, acting as `principal` (a token or share id). */
export async function serveMcp<E extends GatewayEnv>(
  c: Context<E>,
  principal: string,
  mesh: Mesh,
  options: { tools?: MeshToolDefinition<never>[]; instructions?: string } = {},
): Promise<Response> {
  const extra: MeshAuthExtra = { mesh, ...options };
  const authInfo = { token: "", clientId: principal, scopes: ["call"], extra };
  const handler = handlerFor(c.get("services"));
  if (c.req.method !== "POST" || !isJsonContentType(c.req.header("content-type") ?? "")) {
    return handler.fetch(c.req.raw, { authInfo });
  }
  // Parsed once here (the body is already size-capped): the SDK would otherwise clone the request and parse it twice.
  let parsedBody: unknown;
  try {
    parsedBody = await c.req.json();
  } catch {
    return c.json(
      { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error: the body is not JSON." } },
      400,
    );
  }
  // A tool call needs only its own tool: registering the others (and converting their schemas) was wasted on it.
  const called = calledTool(parsedBody, (options.tools ?? MESH_TOOLS) as MeshToolDefinition<never>[]);
  if (called) extra.tools = [called];
  return handler.fetch(c.req.raw, { authInfo, parsedBody });
}

/** The offered tool a single JSON-RPC `tools/call` names; undefined for anything else (then all are registered). */
function calledTool(
  body: unknown,
  tools: MeshToolDefinition<never>[],
): MeshToolDefinition<never> | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const { method, params } = body as { method?: unknown; params?: { name?: unknown } };
  if (method !== "tools/call" || typeof params?.name !== "string") return undefined;
  return tools.find((tool) => tool.name === params.name);
}
