/** The JSON doors the fuzz suite sends bodies to, each with a known-good template to mutate. */
import type { World } from "./world.ts";

export interface Target {
  name: string;
  method: string;
  path: () => string;
  template: () => Record<string, unknown>;
  /** The token the door takes (undefined: the path is the credential). */
  token: () => string | undefined;
  headers?: Record<string, string>;
  runs: number;
}

const MCP_ACCEPT = { accept: "application/json, text/event-stream" };
const A2A_VERSION = { "a2a-version": "1.0" };
const a2aMessage = () => ({ messageId: "m-1", role: "ROLE_USER", parts: [{ text: "hi" }] });

/** `world` is read when a request is made (the tests are declared before the gateway starts). */
export function jsonTargets(world: () => World): Target[] {
  const a = () => world().a;
  const b = () => world().b;
  return [
    {
      name: "POST /v1/agents/:ref/messages",
      method: "POST",
      path: () => `/v1/agents/${a().agentId}/messages`,
      template: () => ({ message: "hi", session_id: a().sessionId, async: false }),
      token: () => a().token,
      runs: 120,
    },
    {
      name: "POST /v1/agents/:ref/messages (B's session)",
      method: "POST",
      path: () => `/v1/agents/${a().agentId}/messages`,
      template: () => ({ message: "hi", session_id: b().sessionId }),
      token: () => a().token,
      runs: 40,
    },
    {
      name: "POST /v1/agents/:ref/messages (B's private agent)",
      method: "POST",
      path: () => `/v1/agents/${b().agentId}/messages`,
      template: () => ({ message: "hi", async: true }),
      token: () => a().token,
      runs: 40,
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
      token: () => a().token,
      runs: 80,
    },
    {
      name: "PATCH /v1/agents/:ref",
      method: "PATCH",
      path: () => `/v1/agents/${a().agentId}`,
      template: () => ({ description: "d", visibility: "private", capabilities: ["x"] }),
      token: () => a().token,
      runs: 80,
    },
    {
      name: "PATCH /v1/agents/:ref (B's agent)",
      method: "PATCH",
      path: () => `/v1/agents/${b().agentId}`,
      template: () => ({ description: "mine now", visibility: "public" }),
      token: () => a().token,
      runs: 30,
    },
    {
      name: "POST /v1/tokens (admin)",
      method: "POST",
      path: () => "/v1/tokens",
      template: () => ({ name: `fz${Math.random().toString(36).slice(2, 8)}`, scopes: ["call"] }),
      token: () => world().gateway.adminToken,
      runs: 60,
    },
    {
      name: "POST /v1/tasks/:id/messages",
      method: "POST",
      path: () => `/v1/tasks/${a().taskId}/messages`,
      template: () => ({ message: "more" }),
      token: () => a().token,
      runs: 60,
    },
    {
      name: "POST /v1/tasks/:id/messages (B's task)",
      method: "POST",
      path: () => `/v1/tasks/${b().taskId}/messages`,
      template: () => ({ message: "more" }),
      token: () => a().token,
      runs: 30,
    },
    {
      name: "POST /v1/agents/:ref/messages/:id/input",
      method: "POST",
      path: () => `/v1/agents/${a().agentId}/messages/req-none/input`,
      template: () => ({ prompt_id: "p-1", decision: "allow" }),
      token: () => a().token,
      runs: 60,
    },
    {
      name: "POST /v1/agents/:ref/inbox",
      method: "POST",
      path: () => `/v1/agents/${a().agentId}/inbox`,
      template: () => ({ message: "note" }),
      token: () => a().token,
      runs: 60,
    },
    {
      name: "POST /v1/agents/:ref/inbox/ack",
      method: "POST",
      path: () => `/v1/agents/${a().agentId}/inbox/ack`,
      template: () => ({ ids: [a().inboxId] }),
      token: () => a().token,
      runs: 60,
    },
    {
      name: "POST /v1/agents/:ref/inbox/:id/reply",
      method: "POST",
      path: () => `/v1/agents/${a().agentId}/inbox/${a().inboxId}/reply`,
      template: () => ({ message: "re" }),
      token: () => a().token,
      runs: 60,
    },
    {
      name: "POST /mcp",
      method: "POST",
      path: () => "/mcp",
      template: () => ({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "ask_agent", arguments: { to: a().agentName, message: "hi" } },
      }),
      token: () => a().token,
      headers: MCP_ACCEPT,
      runs: 100,
    },
    {
      name: "POST /mcp (B's agent)",
      method: "POST",
      path: () => "/mcp",
      template: () => ({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "get_agent_status", arguments: { name: b().agentId } },
      }),
      token: () => a().token,
      headers: MCP_ACCEPT,
      runs: 30,
    },
    {
      name: "POST /a2a/:agent/ (JSON-RPC)",
      method: "POST",
      path: () => `/a2a/${a().agentName}/`,
      template: () => ({ jsonrpc: "2.0", id: 1, method: "SendMessage", params: { message: a2aMessage() } }),
      token: () => a().token,
      headers: A2A_VERSION,
      runs: 100,
    },
    {
      name: "POST /a2a/:agent/message:send (REST)",
      method: "POST",
      path: () => `/a2a/${a().agentName}/message:send`,
      template: () => ({ message: a2aMessage() }),
      token: () => a().token,
      headers: A2A_VERSION,
      runs: 80,
    },
    {
      name: "POST /a2a/:agent/ (B's agent)",
      method: "POST",
      path: () => `/a2a/${b().agentId}/`,
      template: () => ({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: b().taskId } }),
      token: () => a().token,
      headers: A2A_VERSION,
      runs: 30,
    },
    {
      name: "POST /s/:secret/messages (share link)",
      method: "POST",
      path: () => `/s/${a().share}/messages`,
      template: () => ({ message: "hi" }),
      token: () => undefined,
      runs: 80,
    },
    {
      name: "POST /s/:secret/mcp (share link)",
      method: "POST",
      path: () => `/s/${a().share}/mcp`,
      template: () => ({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "ask_agent", arguments: { message: "hi" } },
      }),
      token: () => undefined,
      headers: MCP_ACCEPT,
      runs: 60,
    },
    {
      name: "POST /v1/agents/:ref/shares",
      method: "POST",
      path: () => `/v1/agents/${a().agentId}/shares`,
      template: () => ({ label: "fz", expires_in: 3600, rate_limit: 10, sessions: true }),
      token: () => a().token,
      runs: 60,
    },
    {
      name: "POST /v1/agents/:ref/shares (B's agent)",
      method: "POST",
      path: () => `/v1/agents/${b().agentId}/shares`,
      template: () => ({ label: "fz", sessions: false }),
      token: () => a().token,
      runs: 30,
    },
    {
      name: "POST /v1/tasks/:id/input",
      method: "POST",
      path: () => `/v1/tasks/${a().taskId}/input`,
      template: () => ({ prompt_id: "p-1", decision: "deny", message: "no", updated_input: { a: 1 } }),
      token: () => a().token,
      runs: 60,
    },
    {
      name: "POST /v1/tasks/:id/input (B's task)",
      method: "POST",
      path: () => `/v1/tasks/${b().taskId}/input`,
      template: () => ({ prompt_id: "p-1", decision: "allow" }),
      token: () => a().token,
      runs: 30,
    },
    {
      name: "POST /a2a/:agent/ (CreateTaskPushNotificationConfig)",
      method: "POST",
      path: () => `/a2a/${a().agentName}/`,
      template: () => ({
        jsonrpc: "2.0",
        id: 4,
        method: "CreateTaskPushNotificationConfig",
        params: {
          taskId: a().taskId,
          id: "fz",
          url: "http://127.0.0.1:9/fz",
          token: "t",
          authentication: { scheme: "Bearer", credentials: "c" },
        },
      }),
      token: () => a().token,
      headers: A2A_VERSION,
      runs: 60,
    },
    {
      name: "PUT /v1/skills/:author/:slug/-/dist-tags/:tag",
      method: "PUT",
      path: () => `/v1/skills/${a().user}/${a().skill}/-/dist-tags/beta`,
      template: () => ({ version: "1.0.0" }),
      token: () => a().token,
      runs: 60,
    },
    {
      name: "POST /v1/skills/:author/:slug/-/deprecate",
      method: "POST",
      path: () => `/v1/skills/${a().user}/${a().skill}/-/deprecate`,
      template: () => ({ range: "<2.0.0", message: "use 2.x" }),
      token: () => a().token,
      runs: 60,
    },
  ];
}
