/**
 * Fake Anthropic Messages API (SSE streaming, tool_use) for driving the real `claude` binary on loopback.
 * Scripted from the newest user text (see fake-server.ts for the markers).
 * @module
 */
import type { ServerResponse } from "node:http";
import {
  type FakeServer,
  findCwd,
  type LoggedRequest,
  mcpCallFor,
  pieces,
  scriptFor,
  sendEvent,
  sseHeaders,
  startFakeServer,
} from "./fake-server.ts";

type Block = any;

export function startAnthropicFake(): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    if (req.method === "HEAD") return void res.writeHead(404).end();
    if (req.method !== "POST" || !req.path.startsWith("/v1/messages")) return void res.writeHead(404).end();
    if (req.path.startsWith("/v1/messages/count_tokens")) {
      return void res.writeHead(200, { "content-type": "application/json" }).end('{"input_tokens":1}');
    }
    answer(req, res);
  });
}

function lastUser(req: LoggedRequest): Block[] {
  const messages: Block[] = req.body?.messages ?? [];
  const user = [...messages].reverse().find((m) => m.role === "user");
  if (!user) return [];
  return typeof user.content === "string" ? [{ type: "text", text: user.content }] : user.content;
}

/** The caller's own words: the last text block that is not a system reminder. */
export function userText(blocks: Block[]): string {
  const texts = blocks.filter((b) => b.type === "text" && !String(b.text).startsWith("<system-reminder>"));
  return texts.length ? String(texts[texts.length - 1].text) : "";
}

function answer(req: LoggedRequest, res: ServerResponse) {
  const blocks = lastUser(req);
  const toolResult = blocks.find((b) => b.type === "tool_result");
  if (toolResult) {
    const content =
      typeof toolResult.content === "string"
        ? toolResult.content
        : (toolResult.content ?? []).map((c: Block) => c.text ?? "").join("");
    return streamText(res, `tool said: ${content}`);
  }
  // `MCP_CALL:<tool> <json input>`: call an MCP tool (e.g. mcp__mesh__ask_agent); its result comes back above.
  const mcp = mcpCallFor(userText(blocks));
  if (mcp) return streamTool(res, mcp.tool, mcp.input);
  const script = scriptFor(userText(blocks));
  if (script.kind === "fail") {
    res.writeHead(script.status, { "content-type": "application/json" });
    return void res.end(
      JSON.stringify({
        type: "error",
        error: { type: "api_error", message: `scripted failure ${script.status}` },
      }),
    );
  }
  if (script.kind === "tool") return streamTool(res, "Bash", { command: script.command, description: "run" });
  if (script.kind === "write") {
    const cwd =
      findCwd(JSON.stringify(req.body?.system ?? "") + JSON.stringify(req.body?.messages ?? "")) ?? ".";
    return streamTool(res, "Write", { file_path: `${cwd}/${script.name}`, content: script.content });
  }
  streamText(res, script.text);
}

function start(res: ServerResponse): void {
  sseHeaders(res);
  sendEvent(res, "message_start", {
    type: "message_start",
    message: {
      id: `msg_${Date.now()}`,
      type: "message",
      role: "assistant",
      model: "claude-fake",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 0 },
    },
  });
}

function finish(res: ServerResponse, stopReason: string): void {
  sendEvent(res, "message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: 5 },
  });
  sendEvent(res, "message_stop", { type: "message_stop" });
  res.end();
}

function streamText(res: ServerResponse, text: string): void {
  start(res);
  sendEvent(res, "content_block_start", {
    type: "content_block_start",
    index: 0,
    content_block: { type: "text", text: "" },
  });
  for (const piece of pieces(text)) {
    sendEvent(res, "content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: piece },
    });
  }
  sendEvent(res, "content_block_stop", { type: "content_block_stop", index: 0 });
  finish(res, "end_turn");
}

function streamTool(res: ServerResponse, name: string, input: Record<string, unknown>): void {
  start(res);
  const id = `toolu_${Date.now()}`;
  sendEvent(res, "content_block_start", {
    type: "content_block_start",
    index: 0,
    content_block: { type: "tool_use", id, name, input: {} },
  });
  sendEvent(res, "content_block_delta", {
    type: "content_block_delta",
    index: 0,
    delta: { type: "input_json_delta", partial_json: JSON.stringify(input) },
  });
  sendEvent(res, "content_block_stop", { type: "content_block_stop", index: 0 });
  finish(res, "tool_use");
}
