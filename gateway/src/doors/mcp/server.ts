/**
 * An MCP server (SDK v2 `McpServer`) offering mesh tools over a `Mesh`. Built fresh for every HTTP request by
 * the gateway doors (stateless: works on Workers and on several nodes), and usable as is by a stdio server.
 */
import { type CallToolResult, McpServer } from "@modelcontextprotocol/server";
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import type { Mesh } from "./mesh.ts";
import { errorLine } from "./tool-text.ts";
import { MESH_TOOLS, type MeshToolDefinition } from "./tools.ts";

export interface MeshServerOptions {
  mesh: Mesh;
  /** Which tools to offer (default: all of MESH_TOOLS). */
  tools?: MeshToolDefinition<never>[];
  /** Shown to the client as server instructions. */
  instructions?: string;
  version: string;
  progressEveryMs?: number;
  /** Told about unexpected (non-refusal) tool errors; refusals are answered to the model only. */
  onError?: (error: unknown) => void;
}

export const DEFAULT_INSTRUCTIONS =
  "Agent Mesh: call other AI agents. list_agents shows who you can reach; ask_agent waits for an answer " +
  "(pass the returned session_id to continue a conversation); send_message queues work and returns a task_id " +
  "for get_task / cancel_task; broadcast queues one task per online agent.";

type StandardSchema = ReturnType<typeof toStandardJsonSchema>;
type JsonSchemaOptions = Parameters<StandardSchema["~standard"]["jsonSchema"]["input"]>[0];

/**
 * Each tool's input schema as the SDK takes it, built once, with its JSON Schema converted once per target: a
 * server is built for every HTTP request, and the SDK converts the called tool's schema on every call (for the
 * `Mcp-Param-*` checks), which was a tenth of an MCP call's cost. The SDK only reads the converted objects.
 */
const inputSchemas = new WeakMap<MeshToolDefinition<never>, StandardSchema>();

function inputSchemaOf(tool: MeshToolDefinition<never>): StandardSchema {
  let schema = inputSchemas.get(tool);
  if (schema === undefined) {
    const props = toStandardJsonSchema(tool.input)["~standard"];
    const converted = new Map<string, Record<string, unknown>>();
    const once = (io: "input" | "output") => (options: JsonSchemaOptions) => {
      if (options.libraryOptions !== undefined) return props.jsonSchema[io](options);
      const key = `${io} ${options.target}`;
      let json = converted.get(key);
      if (json === undefined) {
        json = props.jsonSchema[io](options);
        converted.set(key, json);
      }
      return json;
    };
    schema = { "~standard": { ...props, jsonSchema: { input: once("input"), output: once("output") } } };
    inputSchemas.set(tool, schema);
  }
  return schema;
}

export function createMeshServer(options: MeshServerOptions): McpServer {
  const server = new McpServer(
    { name: "agent-mesh", version: options.version },
    { capabilities: { tools: {} }, instructions: options.instructions ?? DEFAULT_INSTRUCTIONS },
  );
  const tools = (options.tools ?? MESH_TOOLS) as MeshToolDefinition<never>[];
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: inputSchemaOf(tool),
        annotations: tool.annotations,
      },
      async (args: unknown, ctx): Promise<CallToolResult> => {
        const token = ctx.mcpReq._meta?.progressToken;
        let step = 0;
        const progress = (message: string) => {
          if (token === undefined) return;
          step += 1;
          ctx.mcpReq
            .notify({
              method: "notifications/progress",
              params: { progressToken: token, progress: step, message },
            })
            .catch(() => {
              // The client left; the call's abort signal stops the work.
            });
        };
        try {
          return (await tool.run(args as never, {
            mesh: options.mesh,
            progress,
            progressEveryMs: options.progressEveryMs ?? 15_000,
            signal: ctx.mcpReq.signal,
          })) as CallToolResult;
        } catch (error) {
          const line = errorLine(error);
          if (line.startsWith("internal_error")) options.onError?.(error);
          return { content: [{ type: "text" as const, text: line }], isError: true };
        }
      },
    );
  }
  return server;
}
