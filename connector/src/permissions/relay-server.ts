/**
 * The private channel between a Claude Code process and the connector that started it: one MCP server over HTTP
 * on 127.0.0.1 (started on first use, shared by every request of this connector), serving a single tool,
 * `approve`, that Claude calls through `--permission-prompt-tool` when a tool use needs approval.
 *
 * Each run opens a channel with its own random secret (a bearer token Claude sends from its environment); a
 * request with an unknown or closed secret is refused before any MCP handling, so one caller's agent can only ever
 * reach the prompt handler of its own request. The channel carries questions one way: answers come only from the
 * gateway, from the caller of that request, never from anything that can reach this port.
 * @module
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";

/** Server and tool names: Claude calls the tool `mcp__agent_mesh__approve`. */
export const RELAY_SERVER_NAME = "agent_mesh";
export const RELAY_TOOL_NAME = "approve";

/** What Claude Code sends to a permission-prompt tool. */
export const ApprovalRequest = v.object({
  tool_name: v.string(),
  input: v.optional(v.record(v.string(), v.unknown()), {}),
  tool_use_id: v.optional(v.string()),
});
export type ApprovalRequest = v.InferOutput<typeof ApprovalRequest>;

/** What the tool answers (Claude Code's permission-prompt result, sent as JSON text). */
export type ApprovalResult =
  | { behavior: "allow"; updatedInput: Record<string, unknown> }
  | { behavior: "deny"; message: string };

export type ApprovalHandler = (request: ApprovalRequest) => Promise<ApprovalResult>;

export interface RelayChannel {
  /** The MCP endpoint, e.g. `http://127.0.0.1:40123/mcp`. */
  readonly url: string;
  /** Bearer token of this channel only. */
  readonly secret: string;
  /** Forgets the secret: later calls with it are refused. */
  close(): void;
}

/** The HTTP header carrying the secret (Claude reads it from its environment, see claude-prompt-tool.ts). */
const AUTH_PREFIX = "Bearer ";

class PromptRelayServer {
  readonly #handlers = new Map<string, ApprovalHandler>();
  #listening: Promise<{ server: Server; port: number }> | undefined;

  /** Opens a channel for one run; the server starts on the first call. */
  async open(handler: ApprovalHandler): Promise<RelayChannel> {
    const { port } = await this.#start();
    const secret = randomBytes(32).toString("base64url");
    this.#handlers.set(secret, handler);
    return {
      url: `http://127.0.0.1:${port}/mcp`,
      secret,
      close: () => {
        this.#handlers.delete(secret);
      },
    };
  }

  /** Channels currently open (tests check that finished runs leave none behind). */
  get openChannels(): number {
    return this.#handlers.size;
  }

  /** Stops listening (open channels stop working). */
  async stop(): Promise<void> {
    const listening = this.#listening;
    this.#listening = undefined;
    if (!listening) return;
    const { server } = await listening;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #start(): Promise<{ server: Server; port: number }> {
    this.#listening ??= new Promise((resolve, reject) => {
      const mcp = createMcpHandler((ctx) => this.#mcpServer(ctx.authInfo?.token));
      const listener = getRequestListener(async (request) => {
        const auth = request.headers.get("authorization") ?? "";
        const secret = auth.startsWith(AUTH_PREFIX) ? auth.slice(AUTH_PREFIX.length) : "";
        if (new URL(request.url).pathname !== "/mcp" || !this.#handlers.has(secret)) {
          return Response.json(
            {
              error: {
                code: "prompt_channel_unknown",
                message: "This permission channel is closed or was never opened.",
              },
            },
            { status: 401 },
          );
        }
        return mcp.fetch(request, { authInfo: { token: secret, clientId: "claude", scopes: [] } });
      });
      const server = createServer(listener);
      server.once("error", reject);
      // Loopback only: the channel never leaves this machine.
      server.listen(0, "127.0.0.1", () => {
        server.unref();
        resolve({ server, port: (server.address() as AddressInfo).port });
      });
    });
    return this.#listening;
  }

  #mcpServer(secret: string | undefined): McpServer {
    const server = new McpServer({ name: RELAY_SERVER_NAME, version: "1.0.0" });
    server.registerTool(
      RELAY_TOOL_NAME,
      {
        description: "Asks the caller of this request whether a tool use may run.",
        inputSchema: toStandardJsonSchema(ApprovalRequest),
      },
      async (args) => {
        const handler = secret ? this.#handlers.get(secret) : undefined;
        const result: ApprovalResult = handler
          ? await handler(args as ApprovalRequest)
          : { behavior: "deny", message: "The request this permission belonged to has ended." };
        return { content: [{ type: "text", text: JSON.stringify(result) }] };
      },
    );
    return server;
  }
}

/** One relay per connector process. */
export const promptRelay = new PromptRelayServer();
