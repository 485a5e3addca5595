/**
 * A caller that waits for one answer (a `/v1` JSON call, MCP `ask_agent`) is bounded as a whole, on every local
 * runtime: past its limit it gets `agent_timeout`, and the agent is told to cancel even while it keeps sending
 * chunks (the limit is the whole call's, not an idle window). A JSON caller that leaves cancels the call too.
 * The hub's sweep enforces the limit (no timer per call), so it fires within a sweep (75 ms with the test timings).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestReply } from "../../connector/src/client/agent-client.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { mcpClient, resultText } from "../helpers/mcp-client.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const SYNC_TIMEOUT_MS = 600;

for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
  describe(`calls that wait for one answer on ${runtime}`, () => {
    let gateway: GatewayProcess;
    beforeAll(async () => {
      gateway = await startGateway({ runtime, env: { AGENT_MESH_SYNC_TIMEOUT_MS: String(SYNC_TIMEOUT_MS) } });
    });
    afterAll(async () => gateway?.stop());

    /** A user and an agent that never answers: it sends a chunk every 100 ms until it is told to cancel. */
    async function endlessAgent(name: string) {
      const user = await createUser(gateway.url, gateway.adminToken, `${name}-${runtime}`);
      const agent = await createAgent(user.api, { name });
      const canceled: string[] = [];
      const connected = await connectAgent(
        gateway.url,
        user.token,
        agent.name,
        (request, reply: RequestReply) => {
          const ticking = setInterval(() => reply.chunk("."), 100);
          reply.signal.addEventListener("abort", () => {
            clearInterval(ticking);
            canceled.push(request.id);
          });
        },
      );
      return { user, agent, connected, canceled };
    }

    it("answers a JSON call past AGENT_MESH_SYNC_TIMEOUT_MS with 504 agent_timeout and cancels it on the agent", async () => {
      const { user, agent, connected, canceled } = await endlessAgent("slow-json");
      try {
        const started = Date.now();
        const res = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "take your time" });
        expect(res.status).toBe(504);
        expect(res.body.error.code).toBe("agent_timeout");
        expect(res.body.error.message).toContain(`No answer within ${SYNC_TIMEOUT_MS} ms`);
        expect(Date.now() - started).toBeGreaterThanOrEqual(SYNC_TIMEOUT_MS);
        expect(Date.now() - started).toBeLessThan(SYNC_TIMEOUT_MS + 2000);
        await waitFor(() => canceled.includes(connected.requests[0]!.id), { what: "the agent's cancel" });
      } finally {
        connected.stop();
      }
    });

    it("ends MCP ask_agent past its timeout_seconds with an agent_timeout tool error and cancels it on the agent", async () => {
      const { user, agent, connected, canceled } = await endlessAgent("slow-mcp");
      const { client, close } = await mcpClient(`${gateway.url}/mcp`, "modern", {
        authorization: `Bearer ${user.token}`,
      });
      try {
        const answer = await client.callTool({
          name: "ask_agent",
          arguments: { to: agent.name, message: "take your time", timeout_seconds: 1 },
        });
        expect(answer.isError).toBe(true);
        expect(resultText(answer)).toContain("gave no answer within 1 s; the call was canceled");
        await waitFor(() => canceled.includes(connected.requests[0]!.id), { what: "the agent's cancel" });
      } finally {
        await close();
        connected.stop();
      }
    });

    // Leaving at once is caught when the call starts listening (200 ms in); leaving later, by the listener. Both
    // cancels must come before the call's own timeout (600 ms) would have sent one.
    it.each([
      [0, 300],
      [400, 150],
    ])("cancels a JSON call on the agent when its caller leaves after %i ms", async (stayMs, withinMs) => {
      const { user, agent, connected, canceled } = await endlessAgent(`left-json-${stayMs}`);
      const leaving = new AbortController();
      try {
        const pending = fetch(`${gateway.url}/v1/agents/${agent.name}/messages`, {
          method: "POST",
          headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
          body: JSON.stringify({ message: "never mind" }),
          signal: leaving.signal,
        }).catch((error: unknown) => error);
        await waitFor(() => connected.requests.length === 1, { what: "the request at the agent" });
        await sleep(stayMs);
        leaving.abort();
        expect(await pending).toBeInstanceOf(Error);
        await waitFor(() => canceled.includes(connected.requests[0]!.id), {
          what: "the agent's cancel",
          timeoutMs: withinMs,
        });
      } finally {
        connected.stop();
      }
    });
  });
}
