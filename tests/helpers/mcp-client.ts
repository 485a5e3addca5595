/** The MCP SDK client (v2) against a gateway URL, in either era, recording what went over the wire. */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

export type Era = "legacy" | "modern";

export interface WireRecord {
  methods: string[];
  protocolHeaders: string[];
  responseTypes: Array<{ method: string; contentType: string }>;
}

export async function mcpClient(url: string, era: Era, headers: Record<string, string> = {}) {
  const wire: WireRecord = { methods: [], protocolHeaders: [], responseTypes: [] };
  const recordingFetch: typeof fetch = async (input, init) => {
    let method = "";
    if (typeof init?.body === "string") {
      try {
        method = JSON.parse(init.body).method ?? "";
      } catch {
        // Not JSON-RPC.
      }
    }
    wire.methods.push(method);
    const protocol = new Headers(init?.headers).get("mcp-protocol-version");
    if (protocol) wire.protocolHeaders.push(protocol);
    const res = await fetch(input, init);
    wire.responseTypes.push({ method, contentType: res.headers.get("content-type") ?? "" });
    return res;
  };
  const client = new Client(
    { name: "agent-mesh-test", version: "1.0.0" },
    { versionNegotiation: { mode: era === "modern" ? { pin: "2026-07-28" } : "legacy" } },
  );
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers },
    fetch: recordingFetch,
  });
  await client.connect(transport);
  return { client, wire, close: () => client.close() };
}

/** The text blocks of a tool result, joined. */
export function resultText(result: { content?: unknown }): string {
  const blocks = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return blocks
    .filter((b) => b.type === "text")
    .map((b) => b.text)
    .join("\n");
}
