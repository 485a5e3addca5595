/**
 * The standard doors against our own `/v1`: an MCP `ask_agent` round trip (the exact 2026-07-28 `tools/call` the
 * SDK client sends, with a progress token as Claude Code sends one, answered as SSE) vs a `/v1` JSON call to the
 * same agent on the same gateway, sequential, both warmed up in the same run.
 */
import { httpClient, type LatencyStats, measureLatencyInTurns } from "../lib/http-load.ts";
import type { RelayTarget } from "../lib/relay-target.ts";

export const DOORS = { warmup: 2000, warmupMs: 3000, requests: 3000, maxMs: 5000 };

export interface DoorsResult {
  v1: LatencyStats;
  mcp: LatencyStats;
}

const MESSAGE = "hello from the bench";

function mcpCall(id: number): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: {
      name: "ask_agent",
      arguments: { to: "echo", message: MESSAGE },
      _meta: {
        progressToken: id,
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1.0.0" },
        "io.modelcontextprotocol/clientCapabilities": {},
      },
    },
  });
}

const MCP_HEADERS = {
  "mcp-method": "tools/call",
  "mcp-name": "ask_agent",
  "mcp-protocol-version": "2026-07-28",
};

export async function measureDoors(target: RelayTarget): Promise<DoorsResult> {
  const client = httpClient(target.url, target.token, 1);
  const v1Body = JSON.stringify({ message: MESSAGE });
  let id = 0;
  const v1 = async () => {
    const res = await client.post(target.messagesPath, v1Body);
    if (res.status !== 200) throw new Error(`/v1 ${target.runtime}: ${res.status} ${res.body}`);
  };
  const mcp = async () => {
    const res = await client.post("/mcp", mcpCall(++id), "application/json, text/event-stream", MCP_HEADERS);
    const text = res.body.toString();
    if (res.status !== 200 || !text.includes(`"text":"${MESSAGE}"`))
      throw new Error(`MCP ${target.runtime}: ${res.status} ${text.slice(0, 300)}`);
  };
  const options = { requests: DOORS.requests, concurrency: 1, maxMs: DOORS.maxMs };
  const warmup = { requests: DOORS.warmup, concurrency: 1, maxMs: DOORS.warmupMs };
  try {
    await mcp(); // fails fast with the answer's text if the door is broken
    await measureLatencyInTurns([v1, mcp], { ...warmup, slices: 10 });
    const [v1Stats, mcpStats] = await measureLatencyInTurns([v1, mcp], { ...options, slices: 10 });
    return { v1: v1Stats!, mcp: mcpStats! };
  } finally {
    client.close();
  }
}
