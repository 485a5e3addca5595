/**
 * Property: whatever a caller sends to a JSON door (any JSON, near-valid bodies, odd JSON text, raw bytes, wrong
 * content types), a real gateway process answers with a well-formed response under 500 and a stable, documented
 * error code; it never hangs or dies, still serves a normal call afterwards, and never shows user B's data to A.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAgent, createAgent, createUser, type TestAgent } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { fuzzBody } from "./support/arbitraries.ts";
import { answerProblem } from "./support/check-response.ts";
import { bodyText, send } from "./support/fuzz-request.ts";
import { FUZZ_SCALE } from "./support/scale.ts";

interface Target {
  name: string;
  method: string;
  path: () => string;
  template: () => Record<string, unknown>;
  /** The token the door takes (undefined: the path is the credential). */
  token: () => string | undefined;
  headers?: Record<string, string>;
  runs: number;
}

let gateway: GatewayProcess;
let agent: TestAgent;
const a = { token: "", agentId: "", agentName: "", taskId: "", sessionId: "", share: "", inboxId: "" };
/** User B's private data: none of it may appear in an answer to A unless A's own request carried it. */
const b = { user: "", token: "", agentId: "", agentName: "", taskId: "", sessionId: "", inboxText: "" };
const MCP_ACCEPT = { accept: "application/json, text/event-stream" };
const A2A_VERSION = { "a2a-version": "1.0" };
const a2aMessage = () => ({ messageId: "m-1", role: "ROLE_USER", parts: [{ text: "hi" }] });

const targets: Target[] = [
  {
    name: "POST /v1/agents/:ref/messages",
    method: "POST",
    path: () => `/v1/agents/${a.agentId}/messages`,
    template: () => ({ message: "hi", session_id: a.sessionId, async: false }),
    token: () => a.token,
    runs: 60,
  },
  {
    name: "POST /v1/agents/:ref/messages (B's session)",
    method: "POST",
    path: () => `/v1/agents/${a.agentId}/messages`,
    template: () => ({ message: "hi", session_id: b.sessionId }),
    token: () => a.token,
    runs: 20,
  },
  {
    name: "POST /v1/agents/:ref/messages (B's private agent)",
    method: "POST",
    path: () => `/v1/agents/${b.agentId}/messages`,
    template: () => ({ message: "hi", async: true }),
    token: () => a.token,
    runs: 20,
  },
  {
    name: "POST /v1/agents",
    method: "POST",
    path: () => "/v1/agents",
    template: () => ({
      name: `fz-${Math.random().toString(36).slice(2, 8)}`,
      description: "d",
      capabilities: ["x"],
    }),
    token: () => a.token,
    runs: 40,
  },
  {
    name: "PATCH /v1/agents/:ref",
    method: "PATCH",
    path: () => `/v1/agents/${a.agentId}`,
    template: () => ({ description: "d", visibility: "private", capabilities: ["x"] }),
    token: () => a.token,
    runs: 40,
  },
  {
    name: "PATCH /v1/agents/:ref (B's agent)",
    method: "PATCH",
    path: () => `/v1/agents/${b.agentId}`,
    template: () => ({ description: "mine now", visibility: "public" }),
    token: () => a.token,
    runs: 15,
  },
  {
    name: "POST /v1/tokens (admin)",
    method: "POST",
    path: () => "/v1/tokens",
    template: () => ({ name: `fz${Math.random().toString(36).slice(2, 8)}`, scopes: ["call"] }),
    token: () => gateway.adminToken,
    runs: 30,
  },
  {
    name: "POST /v1/tasks/:id/messages",
    method: "POST",
    path: () => `/v1/tasks/${a.taskId}/messages`,
    template: () => ({ message: "more" }),
    token: () => a.token,
    runs: 30,
  },
  {
    name: "POST /v1/tasks/:id/messages (B's task)",
    method: "POST",
    path: () => `/v1/tasks/${b.taskId}/messages`,
    template: () => ({ message: "more" }),
    token: () => a.token,
    runs: 15,
  },
  {
    name: "POST /v1/agents/:ref/messages/:id/input",
    method: "POST",
    path: () => `/v1/agents/${a.agentId}/messages/req-none/input`,
    template: () => ({ prompt_id: "p-1", decision: "allow" }),
    token: () => a.token,
    runs: 30,
  },
  {
    name: "POST /v1/agents/:ref/inbox",
    method: "POST",
    path: () => `/v1/agents/${a.agentId}/inbox`,
    template: () => ({ message: "note" }),
    token: () => a.token,
    runs: 30,
  },
  {
    name: "POST /v1/agents/:ref/inbox/ack",
    method: "POST",
    path: () => `/v1/agents/${a.agentId}/inbox/ack`,
    template: () => ({ ids: [a.inboxId] }),
    token: () => a.token,
    runs: 30,
  },
  {
    name: "POST /v1/agents/:ref/inbox/:id/reply",
    method: "POST",
    path: () => `/v1/agents/${a.agentId}/inbox/${a.inboxId}/reply`,
    template: () => ({ message: "re" }),
    token: () => a.token,
    runs: 30,
  },
  {
    name: "POST /mcp",
    method: "POST",
    path: () => "/mcp",
    template: () => ({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "ask_agent", arguments: { to: a.agentName, message: "hi" } },
    }),
    token: () => a.token,
    headers: MCP_ACCEPT,
    runs: 50,
  },
  {
    name: "POST /mcp (B's agent)",
    method: "POST",
    path: () => "/mcp",
    template: () => ({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "get_agent_status", arguments: { name: b.agentId } },
    }),
    token: () => a.token,
    headers: MCP_ACCEPT,
    runs: 15,
  },
  {
    name: "POST /a2a/:agent/ (JSON-RPC)",
    method: "POST",
    path: () => `/a2a/${a.agentName}/`,
    template: () => ({ jsonrpc: "2.0", id: 1, method: "SendMessage", params: { message: a2aMessage() } }),
    token: () => a.token,
    headers: A2A_VERSION,
    runs: 50,
  },
  {
    name: "POST /a2a/:agent/message:send (REST)",
    method: "POST",
    path: () => `/a2a/${a.agentName}/message:send`,
    template: () => ({ message: a2aMessage() }),
    token: () => a.token,
    headers: A2A_VERSION,
    runs: 40,
  },
  {
    name: "POST /a2a/:agent/ (B's agent)",
    method: "POST",
    path: () => `/a2a/${b.agentId}/`,
    template: () => ({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: b.taskId } }),
    token: () => a.token,
    headers: A2A_VERSION,
    runs: 15,
  },
  {
    name: "POST /s/:secret/messages (share link)",
    method: "POST",
    path: () => `/s/${a.share}/messages`,
    template: () => ({ message: "hi" }),
    token: () => undefined,
    runs: 40,
  },
];

describe("fuzz: HTTP doors", () => {
  beforeAll(async () => {
    gateway = await startGateway({
      runtime: "node",
      env: { AGENT_MESH_RATE_LIMIT: "off", AGENT_MESH_SHARE_RATE_LIMIT: "off" },
    });
    const alice = await createUser(gateway.url, gateway.adminToken, `alice${Date.now().toString(36)}`);
    const bob = await createUser(gateway.url, gateway.adminToken, `bob${Date.now().toString(36)}`);
    a.token = alice.token;
    const own = await createAgent(alice.api, { visibility: "private" });
    a.agentId = own.id;
    a.agentName = own.name;
    agent = await connectAgent(gateway.url, alice.token, own.id);
    const first = await alice.api.post(`/v1/agents/${own.id}/messages`, { message: "hello" });
    a.sessionId = first.body.session_id;
    a.taskId = (
      await alice.api.post(`/v1/agents/${own.id}/messages`, { message: "t", async: true })
    ).body.task_id;
    a.share = new URL((await alice.api.post(`/v1/agents/${own.id}/shares`, {})).body.url).pathname.split(
      "/",
    )[2]!;
    a.inboxId = (await alice.api.post(`/v1/agents/${own.id}/inbox`, { message: "to me" })).body.id;

    b.user = bob.name;
    b.token = bob.token;
    const secret = await createAgent(bob.api, { visibility: "private", description: "bob-only-description" });
    b.agentId = secret.id;
    b.agentName = secret.name;
    const task = await bob.api.post(`/v1/agents/${secret.id}/messages`, {
      message: "bob-secret-text",
      async: true,
    });
    b.taskId = task.body.task_id;
    b.sessionId = task.body.session_id;
    b.inboxText = `bob-inbox-${Date.now().toString(36)}`;
    await bob.api.post(`/v1/agents/${secret.id}/inbox`, { message: b.inboxText });
    for (const [key, value] of Object.entries({ ...a, ...b }))
      if (!value) throw new Error(`setup: no ${key}`);
  });

  afterAll(async () => {
    agent?.stop();
    await gateway?.stop();
  });

  const statuses: number[] = [];
  for (const target of targets) {
    it(`${target.name}: every answer is well formed, < 500, with a stable code, and leaks nothing of B`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(null).chain(() => fuzzBody(target.template())),
          async (body) => {
            const path = target.path();
            const answer = await send(
              `${gateway.url}${path}`,
              target.method,
              target.token(),
              body,
              target.headers,
            );
            statuses.push(answer.status);
            const problem = answerProblem(answer);
            if (problem) throw new Error(`${answer.status}: ${problem}`);
            const sent = `${path} ${bodyText(body)}`;
            for (const secret of [
              b.agentId,
              b.agentName,
              b.taskId,
              b.sessionId,
              b.inboxText,
              "bob-secret-text",
            ]) {
              if (!sent.includes(secret) && answer.text.includes(secret))
                throw new Error(`B's ${secret} leaked to A: ${answer.text.slice(0, 300)}`);
            }
            if (!sent.includes("bob-only-description") && answer.text.includes("bob-only-description"))
              throw new Error(`B's agent description leaked: ${answer.text.slice(0, 300)}`);
          },
        ),
        { numRuns: Math.ceil(target.runs * FUZZ_SCALE) },
      );
    });
  }

  it("after the fuzzing the gateway still answers normal calls for both users", async () => {
    const alice = await fetch(`${gateway.url}/v1/agents/${a.agentId}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${a.token}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "still there?" }),
    });
    expect(alice.status).toBe(200);
    expect((await alice.json()).result).toBe("still there?");
    const bob = await fetch(`${gateway.url}/v1/agents/${b.agentId}`, {
      headers: { authorization: `Bearer ${b.token}` },
    });
    expect(bob.status).toBe(200);
    expect(await bob.json()).toMatchObject({
      id: b.agentId,
      visibility: "private",
      description: "bob-only-description",
    });
    // The fuzzing reached the handlers, not only the parsers: some bodies were taken, most refused.
    expect(statuses.some((s) => s < 300)).toBe(true);
    expect(statuses.some((s) => s >= 400)).toBe(true);
    expect(gateway.output()).not.toMatch(/internal_error|Unhandled|uncaught/i);
  });
});
