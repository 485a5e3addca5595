/**
 * Refusals of the A2A door with raw HTTP: each is the binding's own error shape (JSON-RPC error codes, REST
 * google.rpc.Status bodies), names what to fix, and never tells an unknown task from someone else's.
 */
import { describe, expect, it } from "vitest";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import type { GatewayContext } from "./index.ts";

const V1 = { "a2a-version": "1.0", "content-type": "application/json" };

function message(text: string, parts?: unknown[]) {
  return { message: { messageId: `m-${Math.random()}`, role: "ROLE_USER", parts: parts ?? [{ text }] } };
}

export function a2aBadInputContract(ctx: () => GatewayContext): void {
  async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const user = await createUser(url, adminToken, name);
    const agent = await createAgent(user.api);
    const base = `${url}/a2a/${agent.name}/`;
    const auth = { authorization: `Bearer ${user.token}` };
    async function rpc(body: unknown, headers: Record<string, string> = { ...V1, ...auth }) {
      const res = await fetch(base, {
        method: "POST",
        headers,
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    }
    async function rest(method: string, path: string, body?: unknown, headers = { ...V1, ...auth }) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    }
    return { url, user, agent, base, auth, rpc, rest };
  }

  describe("A2A door refuses bad input", () => {
    it("asks for the A2A-Version header, by name, on both bindings", async () => {
      const { auth, rpc, rest } = await setup("a2a-bad-version");
      const plain = await rpc({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } }, auth);
      expect(plain.body.error.code).toBe(-32009);
      expect(plain.body.error.message).toMatch(/A2A-Version: 1\.0/);
      expect(plain.body.id).toBe(1);
      const old = await rest("GET", "tasks", undefined, { ...auth, "a2a-version": "0.3" } as typeof auth & {
        "a2a-version": string;
        "content-type": string;
      });
      expect(old.status).toBe(400);
      expect(old.body.error).toMatchObject({ status: "FAILED_PRECONDITION" });
      expect(old.body.error.details[0]).toMatchObject({
        reason: "VERSION_NOT_SUPPORTED",
        domain: "a2a-protocol.org",
      });
    });

    it("answers malformed JSON-RPC with the JSON-RPC error for it", async () => {
      const { rpc } = await setup("a2a-bad-rpc");
      expect((await rpc("{not json")).body.error.code).toBe(-32700);
      const batch = await rpc([{ jsonrpc: "2.0", id: 1, method: "GetTask", params: {} }]);
      expect(batch.body.error).toMatchObject({ code: -32600, message: expect.stringMatching(/Batch/) });
      expect((await rpc({ jsonrpc: "1.0", id: 1, method: "GetTask" })).body.error.code).toBe(-32600);
      const noId = await rpc({ jsonrpc: "2.0", method: "GetTask", params: { id: "x" } });
      expect(noId.body).toMatchObject({ id: null, error: { code: -32600 } });
      const unknown = await rpc({ jsonrpc: "2.0", id: "u", method: "message/send", params: {} });
      expect(unknown.body).toMatchObject({ id: "u", error: { code: -32601 } });
      expect(unknown.body.error.message).toMatch(/v1\.0/);
      const params = await rpc({ jsonrpc: "2.0", id: 2, method: "SendMessage", params: { message: {} } });
      expect(params.body.error).toMatchObject({ code: -32602, message: expect.stringMatching(/messageId/) });
    });

    it("makes an unknown task and someone else's task look the same", async () => {
      const { url, user, agent, rpc, rest } = await setup("a2a-bad-task");
      await user.api.call("PATCH", `/v1/agents/${agent.name}`, { visibility: "public" });
      const theirs = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "mine",
        async: true,
      });
      const stranger = await createUser(url, ctx().gateway.adminToken, "a2a-bad-task-stranger");
      const as = { ...V1, authorization: `Bearer ${stranger.token}` };
      const fake = `${agent.id}.01jzzzzzzzzzzzzzzzzzzzzzzz`;
      const other = await rpc(
        { jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: theirs.body.task_id } },
        as,
      );
      const missing = await rpc({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: fake } }, as);
      expect(other.body.error.code).toBe(-32001);
      expect(other.body.error.message.replace(theirs.body.task_id, "ID")).toBe(
        missing.body.error.message.replace(fake, "ID"),
      );
      const restOther = await rest("POST", `tasks/${theirs.body.task_id}:cancel`, undefined, as);
      expect(restOther.status).toBe(404);
      expect(restOther.body.error.details[0].reason).toBe("TASK_NOT_FOUND");
      expect((await rest("GET", "tasks/nonsense", undefined, as)).status).toBe(404);
      // The owner still has it, untouched.
      expect((await user.api.get(`/v1/tasks/${theirs.body.task_id}`)).body.status).toBe("submitted");
    });

    it("refuses file parts and non-text output modes, carries data parts as JSON text", async () => {
      const { user, agent, rpc, rest } = await setup("a2a-bad-parts");
      const file = await rest("POST", "message:send", message("", [{ url: "https://example.org/a.pdf" }]));
      expect(file.status).toBe(400);
      expect(file.body.error.details[0].reason).toBe("CONTENT_TYPE_NOT_SUPPORTED");
      expect(file.body.error.message).toMatch(/text parts/);
      const image = await rpc({
        jsonrpc: "2.0",
        id: 1,
        method: "SendMessage",
        params: { ...message("x"), configuration: { acceptedOutputModes: ["image/png"] } },
      });
      expect(image.body.error.code).toBe(-32005);
      const connected = await connectAgent(ctx().gateway.url, user.token, agent.name);
      const data = await rpc({
        jsonrpc: "2.0",
        id: 2,
        method: "SendMessage",
        params: message("", [{ text: "values:" }, { data: { a: 1 } }]),
      });
      expect(data.body.result.task.artifacts[0].parts[0].text).toBe('values:\n\n{"a":1}');
      connected.stop();
    });

    it("refuses an oversized message, a missing token and a bad push url with their own errors", async () => {
      const { base, rpc, rest } = await setup("a2a-bad-size");
      const huge = await rpc({
        jsonrpc: "2.0",
        id: 1,
        method: "SendMessage",
        params: message("x".repeat(2_000_000)),
      });
      expect(huge.status).toBe(413);
      expect(huge.body.error.data[0].metadata.code).toBe("body_too_large");
      const anonymous = await fetch(base, {
        method: "POST",
        headers: V1,
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ListTasks", params: {} }),
      });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
      const queued = await rest("POST", "message:send", {
        ...message("later"),
        configuration: { returnImmediately: true },
      });
      const taskId = queued.body.task.id;
      const bad = await rest("POST", `tasks/${taskId}/pushNotificationConfigs`, {
        url: "file:///etc/passwd",
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/http/);
      const notAnOp = await rest("GET", "tasks/x/y/z");
      expect(notAnOp.status).toBe(404);
    });
  });
}
