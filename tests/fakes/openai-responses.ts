/**
 * Fake OpenAI Responses API (SSE, `exec_command` and MCP function calls) for driving the real `codex` binary on
 * loopback through a custom model provider. Scripted from the newest user text (see fake-server.ts).
 * @module
 */
import type { ServerResponse } from "node:http";
import {
  type FakeServer,
  type LoggedRequest,
  mcpCallFor,
  pieces,
  scriptFor,
  sendEvent,
  sseHeaders,
  startFakeServer,
} from "./fake-server.ts";

type Item = any;

export function startOpenAIResponsesFake(): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    if (req.method !== "POST" || !req.path.startsWith("/v1/responses")) return void res.writeHead(404).end();
    answer(req, res);
  });
}

/** The caller's own words: the last input_text of the last user message that is not injected context. */
export function userText(input: Item[]): string {
  const users = input.filter((i) => i.type === "message" && i.role === "user");
  for (const message of users.reverse()) {
    const texts = (message.content ?? [])
      .filter((c: Item) => c.type === "input_text" && !String(c.text).trimStart().startsWith("<"))
      .map((c: Item) => String(c.text));
    if (texts.length) return texts[texts.length - 1];
  }
  return "";
}

function answer(req: LoggedRequest, res: ServerResponse) {
  const input: Item[] = req.body?.input ?? [];
  const last = input[input.length - 1];
  if (last?.type === "function_call_output") {
    const output = typeof last.output === "string" ? last.output : JSON.stringify(last.output);
    return streamText(res, `tool said: ${output}`);
  }
  // Codex offers an MCP server's tools in a namespace (`mcp__<server>`): the call names both.
  const mcp = mcpCallFor(userText(input));
  if (mcp) {
    const at = mcp.tool.lastIndexOf("__");
    return streamCall(res, { namespace: mcp.tool.slice(0, at), name: mcp.tool.slice(at + 2) }, mcp.input);
  }
  const script = scriptFor(userText(input));
  if (script.kind === "fail") {
    res.writeHead(script.status, { "content-type": "application/json" });
    return void res.end(
      JSON.stringify({
        error: { type: "invalid_request_error", message: `scripted failure ${script.status}` },
      }),
    );
  }
  if (script.kind === "tool") return streamCall(res, { name: "exec_command" }, { cmd: script.command });
  if (script.kind === "write") {
    const cmd = `printf '%s' '${script.content}' > ${script.name}`;
    return streamCall(res, { name: "exec_command" }, { cmd });
  }
  streamText(res, script.text);
}

class Stream {
  #seq = 0;
  readonly res: ServerResponse;
  constructor(res: ServerResponse) {
    this.res = res;
    sseHeaders(res);
  }
  send(type: string, data: Record<string, unknown>): void {
    sendEvent(this.res, type, { type, sequence_number: this.#seq++, ...data });
  }
}

function response(id: string, status: string, output: Item[]): Item {
  return {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: "gpt-fake",
    output,
    usage:
      status === "completed"
        ? { input_tokens: 1, output_tokens: 1, total_tokens: 2, input_tokens_details: { cached_tokens: 0 } }
        : null,
  };
}

function streamText(res: ServerResponse, text: string): void {
  const s = new Stream(res);
  const id = `resp_${Date.now()}`;
  const itemId = `msg_${Date.now()}`;
  s.send("response.created", { response: response(id, "in_progress", []) });
  const empty = { id: itemId, type: "message", role: "assistant", status: "in_progress", content: [] };
  s.send("response.output_item.added", { output_index: 0, item: empty });
  const part = { type: "output_text", text: "", annotations: [] };
  s.send("response.content_part.added", { item_id: itemId, output_index: 0, content_index: 0, part });
  for (const delta of pieces(text)) {
    s.send("response.output_text.delta", { item_id: itemId, output_index: 0, content_index: 0, delta });
  }
  s.send("response.output_text.done", { item_id: itemId, output_index: 0, content_index: 0, text });
  const done = { type: "output_text", text, annotations: [] };
  s.send("response.content_part.done", { item_id: itemId, output_index: 0, content_index: 0, part: done });
  const item = { ...empty, status: "completed", content: [done] };
  s.send("response.output_item.done", { output_index: 0, item });
  s.send("response.completed", { response: response(id, "completed", [item]) });
  res.end();
}

function streamCall(
  res: ServerResponse,
  tool: { name: string; namespace?: string },
  args: Record<string, unknown>,
): void {
  const s = new Stream(res);
  const id = `resp_${Date.now()}`;
  const item = {
    id: `fc_${Date.now()}`,
    type: "function_call",
    status: "completed",
    ...tool,
    call_id: `call_${Date.now()}`,
    arguments: JSON.stringify(args),
  };
  s.send("response.created", { response: response(id, "in_progress", []) });
  s.send("response.output_item.added", { output_index: 0, item: { ...item, arguments: "" } });
  s.send("response.output_item.done", { output_index: 0, item });
  s.send("response.completed", { response: response(id, "completed", [item]) });
  res.end();
}
