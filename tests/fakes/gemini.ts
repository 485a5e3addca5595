/**
 * Fake Gemini API (`streamGenerateContent?alt=sse`, functionCall) for driving the real `gemini` binary on
 * loopback. Scripted from the newest user text (see fake-server.ts). Non-streaming `generateContent` calls
 * (routing classifier, session summary) get a small fixed answer.
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

type Part = any;

export function startGeminiFake(): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    if (req.method !== "POST") return void res.writeHead(404).end();
    if (req.path.includes(":streamGenerateContent")) return answer(req, res);
    if (req.path.includes(":generateContent")) {
      const text = JSON.stringify({ complexity_reasoning: "fake", complexity_score: 1 });
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(candidate([{ text }])));
    }
    if (req.path.includes(":countTokens")) {
      return void res.writeHead(200, { "content-type": "application/json" }).end('{"totalTokens":1}');
    }
    res.writeHead(404).end();
  });
}

/** The caller's own words: the last text part of the last user turn. */
export function userText(contents: Part[]): string {
  for (const content of [...contents].reverse()) {
    if (content.role !== "user") continue;
    const texts = (content.parts ?? [])
      .filter((p: Part) => typeof p.text === "string")
      .map((p: Part) => p.text);
    if (texts.length) return String(texts[texts.length - 1]);
  }
  return "";
}

function answer(req: LoggedRequest, res: ServerResponse) {
  const contents: Part[] = req.body?.contents ?? [];
  const lastParts: Part[] = contents[contents.length - 1]?.parts ?? [];
  const response = lastParts.find((p) => p.functionResponse)?.functionResponse;
  if (response)
    return streamParts(
      res,
      pieces(`tool said: ${JSON.stringify(response.response)}`).map((text) => ({ text })),
    );
  // Gemini names an MCP server's tools `mcp_<server>_<tool>`.
  const mcp = mcpCallFor(userText(contents));
  if (mcp) return streamParts(res, [{ functionCall: { name: mcp.tool, args: mcp.input } }]);
  const script = scriptFor(userText(contents));
  if (script.kind === "fail") {
    res.writeHead(script.status, { "content-type": "application/json" });
    const error = {
      code: script.status,
      message: `scripted failure ${script.status}`,
      status: "INVALID_ARGUMENT",
    };
    return void res.end(JSON.stringify({ error }));
  }
  if (script.kind === "tool") {
    return streamParts(res, [
      { functionCall: { name: "run_shell_command", args: { command: script.command } } },
    ]);
  }
  if (script.kind === "write") {
    const cwd = findCwd(JSON.stringify(req.body)) ?? ".";
    const args = { file_path: `${cwd}/${script.name}`, content: script.content };
    return streamParts(res, [{ functionCall: { name: "write_file", args } }]);
  }
  streamParts(
    res,
    pieces(script.text).map((text) => ({ text })),
  );
}

function candidate(parts: Part[], finishReason?: string): Part {
  return {
    candidates: [{ content: { role: "model", parts }, ...(finishReason ? { finishReason } : {}), index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
    modelVersion: "gemini-fake",
  };
}

/** One SSE event per part; the last one carries finishReason STOP. */
function streamParts(res: ServerResponse, parts: Part[]): void {
  sseHeaders(res);
  parts.forEach((part, i) => {
    sendEvent(res, undefined, candidate([part], i === parts.length - 1 ? "STOP" : undefined));
  });
  res.end();
}
