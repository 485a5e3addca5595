/**
 * `agent-mesh mcp`: the mesh tools for a local agent over stdio. It is a bridge, not a second implementation:
 * every tools/list and tools/call goes to the gateway's own MCP door (`{gateway}/mcp`) with the user's token,
 * the agent it acts as (`X-Agent-Mesh-As`, checked by the gateway against the owner) and the chain of calling
 * agents (`X-Agent-Mesh-Chain`, from AGENT_MESH_CHAIN when a connector started this agent). So the tools, their
 * descriptions and their permissions are defined once, in the gateway.
 *
 * Progress notifications from long `ask_agent` calls are passed through, so the local client's timers keep
 * resetting while the other agent works.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Server } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { CliError } from "../cli/errors.ts";
import { nodeHttpFetch } from "./node-http-fetch.ts";
import { fetchWithOwnSignals } from "./own-signal-fetch.ts";

export interface BridgeOptions {
  gatewayUrl: string;
  token: string;
  /** Agent (name or id) to act as; the gateway refuses agents the token's user does not own. */
  as?: string;
  /** From AGENT_MESH_CHAIN: the agents whose requests led to this session. */
  chain?: string;
  /** A person's session: keep the agent online as `interactive` while this runs. */
  interactive?: boolean;
  version: string;
  log: (line: string) => void;
}

/** What the model is told about the tools (MCP `instructions`). */
const INSTRUCTIONS =
  "Tools of the Agent Mesh: find other agents (list_agents), ask one and wait for the answer (ask_agent), leave a " +
  "message or start a background task (send_message, broadcast), and read your own inbox (check_messages, " +
  "then reply or ack_messages). Messages in your inbox stay until you acknowledge them.";

export async function runStdioBridge(options: BridgeOptions): Promise<void> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
  if (options.as) headers["x-agent-mesh-as"] = options.as;
  if (options.chain) headers["x-agent-mesh-chain"] = options.chain;
  // The gateway's door speaks the 2026-07-28 era: one POST per call, answered with plain JSON unless the call
  // reports progress. The 2025 era the SDK client picks by default answers every call as an SSE stream from a
  // transport built for it, which cost the bridge more than the call itself. `auto` still falls back to 2025 for a
  // gateway that does not offer the new era.
  const remote = new Client(
    { name: "agent-mesh-mcp", version: options.version },
    { versionNegotiation: { mode: "auto" } },
  );
  const door = new URL("/mcp", options.gatewayUrl);
  await remote
    .connect(
      new StreamableHTTPClientTransport(door, {
        requestInit: { headers },
        // node:http for the calls the SDK makes (a third less CPU per call than Node 20's fetch); anything else it
        // does not take goes to Node's fetch, with a signal of its own per request.
        fetch: nodeHttpFetch({ fallback: fetchWithOwnSignals() }),
      }),
    )
    .catch(async (error: unknown) => {
      throw (await refusalOf(door, headers)) ?? error;
    });
  const handle = serveStdio(() => {
    const server = new Server(
      { name: "agent-mesh", version: options.version },
      { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
    );
    server.setRequestHandler("tools/list", (request) => remote.listTools(request.params));
    server.setRequestHandler("tools/call", (request, ctx) => {
      const progressToken = request.params._meta?.progressToken;
      return remote.callTool(request.params, {
        signal: ctx.mcpReq.signal,
        // A long ask may take minutes; progress from the gateway keeps the call alive on both sides.
        timeout: 600_000,
        resetTimeoutOnProgress: true,
        onprogress:
          progressToken === undefined
            ? undefined
            : (progress) =>
                void ctx.mcpReq
                  .notify({ method: "notifications/progress", params: { ...progress, progressToken } })
                  .catch(() => {}),
      });
    });
    return server;
  });
  // Online only once the tools are served.
  const presence = options.interactive && options.as ? keepPresent(options, headers) : null;

  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
  });
  // Requests still in flight are not answered after stdin ends: the MCP stdio binding asks servers to exit promptly
  // then, and the SDK's transport aborts them. A client keeps stdin open until it has read its answers.
  await presence?.stop();
  await handle.close().catch(() => {});
  await remote.close().catch(() => {});
}

/**
 * The gateway's own refusal of the MCP door (`403 not_your_agent` for `--as` an agent that is not yours, `401` for a
 * bad token), which the SDK reduces to an HTTP status: asked again with a bare initialize, its code and message.
 */
async function refusalOf(door: URL, headers: Record<string, string>): Promise<CliError | null> {
  const res = await fetch(door, {
    method: "POST",
    headers: {
      ...headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "agent-mesh", version: "0" },
      },
    }),
  }).catch(() => null);
  if (!res || res.ok) return null;
  const body = (await res.json().catch(() => null)) as {
    error?: { code?: unknown; message?: unknown };
  } | null;
  const { code, message } = body?.error ?? {};
  return typeof code === "string" && typeof message === "string" ? new CliError(code, message) : null;
}

/** Beats `PUT …/inbox/presence` every 20 s (the gateway forgets a session after 60 s), and leaves at the end. */
function keepPresent(options: BridgeOptions, headers: Record<string, string>) {
  const url = new URL(`/v1/agents/${encodeURIComponent(options.as!)}/inbox/presence`, options.gatewayUrl);
  const beat = () =>
    fetch(url, { method: "PUT", headers }).then(
      (res) => {
        if (!res.ok) options.log(`presence refused: ${res.status}`);
      },
      (error: unknown) => options.log(`presence failed: ${String(error)}`),
    );
  void beat();
  const timer = setInterval(beat, 20_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await fetch(url, { method: "DELETE", headers }).catch(() => {});
    },
  };
}
