/**
 * Agents calling agents (issue: the mesh from inside an agent), on Bun with the fs store:
 *
 * - `ask_agent` through a real `agent-mesh mcp` stdio process (the MCP SDK client over stdio, as Claude Code
 *   runs it) to a served echo agent, against a plain `/v1` JSON call to the same agent in the same run; the
 *   target is at most 2 ms added at p50.
 * - Inbox throughput: messages sent and acknowledged per second over HTTP (32 senders, autocannon; then fetch + ack
 *   in batches of 100), from an empty inbox and with 10,000 unread messages already waiting; target ≥ 5,000/s and flat.
 */
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { httpClient, type LatencyStats, measureLatencyInTurns } from "../lib/http-load.ts";
import { ROOT } from "../lib/processes.ts";
import { apiPost, type RelayTarget, startGatewayTarget } from "../lib/relay-target.ts";
import { blast } from "../lib/request-blast.ts";

export const MESH = {
  warmup: 300,
  requests: 2000,
  maxMs: 8000,
  inboxMessages: 5000,
  /**
   * Inboxes filled and drained before the measured ones. Bun's JIT keeps speeding up an intake path for about
   * 25,000 requests (async-tasks.ts): after one, the first measured inbox ran 20–30% slower than the second, which
   * came after 10,000 more. (An inbox holds at most 10,000 unread messages, so the warm-up takes several.)
   */
  inboxWarmupRounds: 4,
  backlog: 10_000,
  senders: 32,
};

export interface MeshResult {
  v1: LatencyStats;
  mcpStdio: LatencyStats;
  inboxEmpty: number;
  inboxBacklog: number;
}

export async function measureMesh(): Promise<MeshResult> {
  const target = await startGatewayTarget("bun", { store: "fs" });
  try {
    const { v1, mcpStdio } = await askThroughStdio(target);
    // The gateway's JIT warms up on the same path first.
    for (let round = 0; round < MESH.inboxWarmupRounds; round++)
      await inboxRate(target, 0, `warmup-${round}`);
    const inboxEmpty = await inboxRate(target, 0, "empty");
    const inboxBacklog = await inboxRate(target, MESH.backlog, "backlog");
    return { v1, mcpStdio, inboxEmpty, inboxBacklog };
  } finally {
    await target.stop();
  }
}

async function askThroughStdio(target: RelayTarget) {
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [`${ROOT}/connector/bin/agent-mesh.mjs`, "mcp"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        AGENT_MESH_URL: target.url,
        AGENT_MESH_TOKEN: target.token,
      },
    }),
  );
  try {
    const http = httpClient(target.url, target.token, 1);
    const body = JSON.stringify({ message: "ping" });
    const v1 = async () => {
      const res = await http.post(target.messagesPath, body);
      if (res.status !== 200) throw new Error(`/v1: ${res.status}`);
    };
    const ask = async () => {
      const result = await client.callTool({ name: "ask_agent", arguments: { to: "echo", message: "ping" } });
      if (result.isError) throw new Error(`ask_agent: ${JSON.stringify(result.content)}`);
    };
    const warm = { requests: MESH.warmup, concurrency: 1, maxMs: 3000 };
    const run = { requests: MESH.requests, concurrency: 1, maxMs: MESH.maxMs };
    await measureLatencyInTurns([v1, ask], { ...warm, slices: 10 });
    const [v1Stats, askStats] = await measureLatencyInTurns([v1, ask], { ...run, slices: 10 });
    return { v1: v1Stats!, mcpStdio: askStats! };
  } finally {
    await client.close();
  }
}

/** Messages sent and acknowledged per second, with `backlog` unread messages left waiting in another inbox. */
async function inboxRate(target: RelayTarget, backlog: number, label: string): Promise<number> {
  const name = `inbox-${label}`;
  await apiPost(target.url, target.token, "/v1/agents", { name });
  const sendTo = (inbox: string, amount: number) =>
    blast({
      url: target.url,
      path: `/v1/agents/${inbox}/inbox`,
      body: JSON.stringify({ message: "m" }),
      token: target.token,
      connections: MESH.senders,
      amount,
      status: 201,
    });
  // The backlog: unread messages the drain below never acknowledges (it reads a fresh inbox each round).
  if (backlog > 0) await sendTo(name, backlog);
  const fresh = `${name}-drain`;
  await apiPost(target.url, target.token, "/v1/agents", { name: fresh });
  const http = httpClient(target.url, target.token, 1);
  try {
    const started = performance.now();
    await sendTo(fresh, MESH.inboxMessages);
    let acked = 0;
    while (acked < MESH.inboxMessages) {
      const page = await http.get(`/v1/agents/${fresh}/inbox?limit=100&lease=300`);
      const { messages } = JSON.parse(page.body.toString()) as { messages: Array<{ id: string }> };
      if (messages.length === 0) break;
      const ids = JSON.stringify({ ids: messages.map((m) => m.id) });
      const res = await http.post(`/v1/agents/${fresh}/inbox/ack`, ids);
      if (res.status !== 200) throw new Error(`ack: ${res.status}`);
      acked += messages.length;
    }
    if (acked < MESH.inboxMessages)
      throw new Error(`only ${acked} of ${MESH.inboxMessages} messages came back`);
    return MESH.inboxMessages / ((performance.now() - started) / 1000);
  } finally {
    http.close();
  }
}
