/**
 * The MCP door, `{gateway}/mcp`, driven by the real MCP SDK client in both eras (2025-11-25 and 2026-07-28):
 * the mesh tools, progress during long calls, SSE answers, durable tasks, broadcast, and bad input.
 */
import { describe, expect, it } from "vitest";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { type Era, mcpClient, resultText } from "../../helpers/mcp-client.ts";
import { sleep, waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";
import { mcpClientsContract } from "./mcp-clients.ts";

const ERAS: Era[] = ["legacy", "modern"];
const TOOL_NAMES = [
  "list_agents",
  "get_agent_status",
  "ask_agent",
  "send_message",
  "get_task",
  "cancel_task",
  "broadcast",
  "check_messages",
  "reply",
  "ack_messages",
];

export function mcpContract(ctx: () => GatewayContext): void {
  mcpClientsContract(ctx);
  async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const user = await createUser(url, adminToken, name);
    return { url, user, auth: { authorization: `Bearer ${user.token}` } };
  }

  describe("MCP door", () => {
    for (const era of ERAS) {
      it(`serves the mesh tools to the SDK client (${era} era) with progress while the agent works`, async () => {
        const { url, user, auth } = await setup(`mcp-${era}`);
        const agent = await createAgent(user.api, { description: "shouts back", capabilities: ["text"] });
        const progress: Array<{ progress: number; message?: string }> = [];
        const live = await connectAgent(url, user.token, agent.name, async (request, reply) => {
          reply.chunk("thinking it over");
          // Silent until the caller has had three reports (AGENT_MESH_KEEPALIVE_MS=300 in tests): the door must
          // report progress while the agent says nothing. Waiting on the count, not a fixed time, keeps a loaded
          // machine's late timers from failing the test; without heartbeats it gives up after 10 s and fails below.
          await waitFor(() => progress.length >= 3, { timeoutMs: 10_000 }).catch(() => undefined);
          reply.done(request.message.toUpperCase());
        });
        const { client, wire, close } = await mcpClient(`${url}/mcp`, era, auth);
        try {
          if (era === "modern") {
            expect(wire.methods).toContain("server/discover");
            expect(wire.methods).not.toContain("initialize");
          } else {
            expect(wire.methods).toContain("initialize");
          }
          const tools = await client.listTools();
          expect(tools.tools.map((t) => t.name)).toEqual(TOOL_NAMES);
          for (const tool of tools.tools) expect(tool.description?.length ?? 0).toBeGreaterThan(40);
          expect(tools.tools.find((t) => t.name === "ask_agent")?.inputSchema.required).toEqual([
            "to",
            "message",
          ]);

          const listed = resultText(await client.callTool({ name: "list_agents", arguments: {} }));
          expect(listed).toContain(`${agent.name} (online) [text] — shouts back`);

          const answer = await client.callTool(
            { name: "ask_agent", arguments: { to: agent.name, message: "hello mesh" } },
            { onprogress: (p: { progress: number; message?: string }) => progress.push(p) } as never,
          );
          expect(answer.isError).toBeFalsy();
          const blocks = answer.content as Array<{ type: string; text: string }>;
          expect(blocks[0]).toEqual({ type: "text", text: "HELLO MESH" });
          expect(blocks[1]!.text).toMatch(/session_id: [0-9a-f-]{36}/);
          expect(progress.length).toBeGreaterThanOrEqual(3);
          expect(progress.map((p) => p.progress)).toEqual(
            [...progress.map((p) => p.progress)].sort((a, b) => a - b),
          );
          const call = wire.responseTypes.filter((r) => r.method === "tools/call").at(-1);
          expect(call?.contentType).toContain("text/event-stream");

          // The session continues: the agent sees the same session id.
          const sessionId = /session_id: (\S+)/.exec(blocks[1]!.text)![1]!;
          await client.callTool({
            name: "ask_agent",
            arguments: { to: agent.name, message: "again", session_id: sessionId },
          });
          expect(live.requests.at(-1)?.session_id).toBe(sessionId);
        } finally {
          await close();
          live.stop();
        }
      });
    }

    it("queues durable tasks, reads and cancels them, and broadcasts to online agents", async () => {
      const { url, user, auth } = await setup("mcp-tasks");
      const quick = await createAgent(user.api, { capabilities: ["review"] });
      const slow = await createAgent(user.api, { capabilities: ["review"] });
      const other = await createAgent(user.api, { capabilities: ["other"] });
      const offline = await createAgent(user.api, { capabilities: ["review"] });
      const agents = [
        await connectAgent(url, user.token, quick.name),
        await connectAgent(url, user.token, slow.name, async (_r, reply) => {
          await sleep(5000);
          reply.done("late");
        }),
        await connectAgent(url, user.token, other.name),
      ];
      const { client, close } = await mcpClient(`${url}/mcp`, "modern", auth);
      try {
        const sent = resultText(
          await client.callTool({ name: "send_message", arguments: { to: quick.name, message: "queued" } }),
        );
        const taskId = /task_id: (\S+)/.exec(sent)![1]!;
        await waitFor(async () => {
          const got = resultText(await client.callTool({ name: "get_task", arguments: { task_id: taskId } }));
          return got.includes("status: completed") && got.includes("result:\nqueued");
        });
        const again = await client.callTool({ name: "cancel_task", arguments: { task_id: taskId } });
        expect(again.isError).toBe(true);
        expect(resultText(again)).toMatch(/^task_finished:/);

        const long = resultText(
          await client.callTool({
            name: "send_message",
            arguments: { to: slow.name, message: "take your time" },
          }),
        );
        const longId = /task_id: (\S+)/.exec(long)![1]!;
        const canceled = resultText(
          await client.callTool({ name: "cancel_task", arguments: { task_id: longId } }),
        );
        expect(canceled).toContain("status: canceled");

        const cast = resultText(
          await client.callTool({
            name: "broadcast",
            arguments: { message: "all hands", capability: "review", exclude: [slow.name] },
          }),
        );
        expect(cast).toContain("Sent to 1 agent(s)");
        expect(cast).toContain(`${quick.name}: task_id`);
        expect(cast).not.toContain(other.name);
        expect(cast).not.toContain(offline.name);
      } finally {
        await close();
        for (const agent of agents) agent.stop();
      }
    });

    it("sends to a person's session a note from an agent, and a task from a person with no inbox", async () => {
      const { url, user, auth } = await setup("mcp-to-session");
      const desk = await createAgent(user.api);
      const helper = await createAgent(user.api);
      await user.api.call("PUT", `/v1/agents/${desk.name}/inbox/presence`);
      const asPerson = await mcpClient(`${url}/mcp`, "modern", auth);
      const asHelper = await mcpClient(`${url}/mcp`, "modern", { ...auth, "x-agent-mesh-as": helper.name });
      try {
        const note = resultText(
          await asHelper.client.callTool({
            name: "send_message",
            arguments: { to: desk.name, message: "fyi" },
          }),
        );
        expect(note).toContain(`Left in ${desk.name}'s inbox`);
        const queued = resultText(
          await asPerson.client.callTool({
            name: "send_message",
            arguments: { to: desk.name, message: "review it" },
          }),
        );
        const taskId = /task_id: (\S+)/.exec(queued)![1]!;
        const inbox = (await user.api.get(`/v1/agents/${desk.name}/inbox`)).body.messages;
        expect(inbox.map((m: { text: string; task_id?: string }) => [m.text, m.task_id])).toEqual([
          ["fyi", undefined],
          ["review it", taskId],
        ]);
        await user.api.post(`/v1/agents/${desk.name}/inbox/${inbox[1].id}/reply`, { message: "looks good" });
        const read = resultText(
          await asPerson.client.callTool({ name: "get_task", arguments: { task_id: taskId } }),
        );
        expect(read).toContain("status: completed");
        expect(read).toContain("result:\nlooks good");
      } finally {
        await asPerson.close();
        await asHelper.close();
      }
    });

    it("tells a session's model when its reply reaches no one (the asker stopped waiting and has no inbox)", async () => {
      const { url, user, auth } = await setup("mcp-reply-undelivered");
      const desk = await createAgent(user.api);
      await user.api.call("PUT", `/v1/agents/${desk.name}/inbox/presence`);
      // A person's token asks and gives up after a second.
      const asked = await user.api.post(`/v1/agents/${desk.name}/asks`, {
        message: "quick q",
        timeout_seconds: 1,
      });
      expect(asked.body.error.code).toBe("ask_timeout");
      const [ask] = (await user.api.get(`/v1/agents/${desk.name}/inbox?peek=true`)).body.messages;
      const asDesk = await mcpClient(`${url}/mcp`, "modern", { ...auth, "x-agent-mesh-as": desk.name });
      try {
        const replied = await asDesk.client.callTool({
          name: "reply",
          arguments: { to: user.name, message_id: ask.id, message: "too late" },
        });
        expect(replied.isError).toBeFalsy();
        expect(resultText(replied)).toContain(
          "stopped waiting and has no inbox; your reply was not delivered",
        );
      } finally {
        await asDesk.close();
      }
    });

    it("shows only agents the token may call, and answers other users' tasks as unknown", async () => {
      const { url, user, auth } = await setup("mcp-scope");
      const stranger = await setup("mcp-stranger");
      const hidden = await createAgent(stranger.user.api, { visibility: "private" });
      const theirs = await stranger.user.api.post(`/v1/agents/${hidden.name}/messages`, {
        message: "mine",
        async: true,
      });
      const { client, close } = await mcpClient(`${url}/mcp`, "legacy", auth);
      try {
        expect(resultText(await client.callTool({ name: "list_agents", arguments: {} }))).not.toContain(
          hidden.name,
        );
        const ask = await client.callTool({
          name: "ask_agent",
          arguments: { to: hidden.name, message: "hi" },
        });
        expect(ask.isError).toBe(true);
        expect(resultText(ask)).toMatch(/^agent_not_found:/);
        const peek = await client.callTool({ name: "get_task", arguments: { task_id: theirs.body.task_id } });
        expect(resultText(peek)).toMatch(/^task_not_found:/);
        const offline = await client.callTool({
          name: "ask_agent",
          arguments: { to: (await createAgent(user.api)).name, message: "anyone?" },
        });
        expect(resultText(offline)).toMatch(/^agent_offline:/);
        // The way out it offers is this door's: the tool that queues, not the HTTP body's "async" field.
        expect(resultText(offline)).toContain("send_message");
        expect(resultText(offline)).not.toContain('"async"');
        const invalid = await client.callTool({ name: "ask_agent", arguments: { to: "x" } });
        expect(invalid.isError).toBe(true);
      } finally {
        await close();
      }
    });

    it("refuses bad input with the protocol's own errors and never advertises OAuth", async () => {
      const { url, auth } = await setup("mcp-bad");
      const post = (body: string, headers: Record<string, string> = {}) =>
        fetch(`${url}/mcp`, {
          method: "POST",
          headers: {
            ...auth,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...headers,
          },
          body,
        });
      const noToken = await fetch(`${url}/mcp`, { method: "POST", body: "{}" });
      expect(noToken.status).toBe(401);
      expect(noToken.headers.get("www-authenticate")).toBeNull();
      expect((await noToken.json()).error.code).toBe("unauthorized");

      const evil = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
        origin: "http://evil.example.com",
      });
      expect(evil.status).toBe(403);
      expect((await evil.json()).error.code).toBe("origin_forbidden");
      const local = await post(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-11-25",
            capabilities: {},
            clientInfo: { name: "t", version: "1" },
          },
        }),
        { origin: "http://localhost:3000" },
      );
      expect(local.status).toBe(200);

      const rpcError = async (res: Response) => {
        const text = await res.text();
        const json = text.startsWith("{") ? JSON.parse(text) : JSON.parse(/data: (.*)/.exec(text)![1]!);
        return { status: res.status, code: json.error?.code as number };
      };
      expect((await rpcError(await post("{not json"))).code).toBe(-32700);
      expect((await rpcError(await post('{"jsonrpc":"1.0","id":1,"method":"ping"}'))).code).toBeLessThan(
        -32000,
      );
      expect((await rpcError(await post('{"jsonrpc":"2.0","method":"tools/list","params":{}'))).code).toBe(
        -32700,
      );
      const unknown = await rpcError(await post('{"jsonrpc":"2.0","id":7,"method":"no/such/method"}'));
      expect(unknown.code).toBe(-32601);
      expect((await rpcError(await post('{"jsonrpc":"2.0","id":1}'))).code).toBe(-32600);
      const noTool = await rpcError(
        await post('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nope","arguments":{}}}'),
      );
      expect(noTool.code).toBe(-32602);
      // Through a plain TCP balancer the node's reset loses the 413 (see the api contract's body-cap check).
      if (!ctx().notThrough?.bodyCap) {
        const huge = await post(
          JSON.stringify({ jsonrpc: "2.0", id: 3, method: "ping", params: { x: "x".repeat(1100 * 1024) } }),
        );
        expect(huge.status).toBe(413);
        expect((await huge.json()).error.code).toBe("body_too_large");
      }
      // A notification (no id) is acknowledged with 202 and no body.
      expect((await post('{"jsonrpc":"2.0","method":"notifications/initialized"}')).status).toBe(202);
      for (const path of [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
      ]) {
        const res = await fetch(`${url}${path}`);
        expect(res.status, path).toBe(404);
        expect((await res.json()).error.code, path).toBe("oauth_not_supported");
      }
    });
  });
}
