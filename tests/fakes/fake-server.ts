/**
 * Shared plumbing for the fake model servers: an HTTP server on 127.0.0.1:0 that logs every request (so tests
 * can assert what the model saw) and helpers to read the script markers out of the prompt text.
 *
 * Markers (anywhere in the newest user text):
 *   RUN_TOOL:<cmd>      the model calls the runtime's shell tool with <cmd> (to the end of the line)
 *   WRITE_FILE:<name>   the model calls the runtime's file-writing tool to create <name> with `content of <name>`
 *   FAIL_<status>       the model answers with that HTTP error status
 *   MCP_CALL:<tool> <json input>   the model calls that (MCP) tool, named as the runtime names it to the model
 * Anything else is answered with `echo: <text>` streamed in several deltas.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: any;
}

export interface FakeServer {
  url: string;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

export type FakeHandler = (req: LoggedRequest, res: ServerResponse) => void | Promise<void>;

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const requests: LoggedRequest[] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const raw = Buffer.concat(parts).toString("utf8");
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // keep the raw text: the log should show what really arrived
    }
    const logged = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
    requests.push(logged);
    try {
      await handler(logged, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(error) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Script =
  | { kind: "tool"; command: string }
  | { kind: "write"; name: string; content: string }
  | { kind: "fail"; status: number }
  | { kind: "text"; text: string };

/** Reads the newest user text and decides what the fake model does. */
export function scriptFor(userText: string): Script {
  const fail = /FAIL_(\d{3})/.exec(userText);
  if (fail) return { kind: "fail", status: Number(fail[1]) };
  const tool = /RUN_TOOL:(.+)/.exec(userText);
  if (tool) return { kind: "tool", command: tool[1]!.trim() };
  const write = /WRITE_FILE:(\S+)/.exec(userText);
  if (write) return { kind: "write", name: write[1]!, content: `content of ${write[1]}` };
  return { kind: "text", text: `echo: ${userText}` };
}

/** `MCP_CALL:<tool> <json input>` in the text: the tool call the model makes (its result comes back next turn). */
export function mcpCallFor(userText: string): { tool: string; input: Record<string, unknown> } | undefined {
  const mcp = /MCP_CALL:(\S+) (\{.*\})/.exec(userText);
  return mcp ? { tool: mcp[1]!, input: JSON.parse(mcp[2]!) } : undefined;
}

/** Splits a reply in a few pieces so the client really streams deltas. */
export function pieces(text: string, count = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / count));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export function sseHeaders(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

export function sendEvent(res: ServerResponse, event: string | undefined, data: unknown): void {
  res.write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
}

/** Finds the working directory the runtime announced in its system prompt / context, for absolute tool paths. */
export function findCwd(text: string): string | undefined {
  const match =
    /(?:Primary working directory|Workspace Directories|Working directory|current working directory|<cwd>)[^/]*(\/[^\s<"\\]+)/i.exec(
      text,
    );
  return match?.[1];
}
