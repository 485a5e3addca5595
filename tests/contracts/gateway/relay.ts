/** Relay contract: stream, sync, async, cancel, offline, busy, revocation, replacement, isolation. */
import { describe, expect, it } from "vitest";
import { apiClient, eventData } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { sleep, waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

export function relayContract(ctx: () => GatewayContext): void {
  async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const user = await createUser(url, adminToken, name);
    const agent = await createAgent(user.api);
    return { url, user, agent };
  }

  describe("relay", () => {
    it("streams chunks in order, then done with the session id", async () => {
      const { url, user, agent } = await setup("stream-user");
      const connected = await connectAgent(url, user.token, agent.name, (request, reply) => {
        for (let i = 0; i < 5; i++) reply.chunk(`${i}`, i === 0 ? "thinking" : "text");
        reply.done(request.message.toUpperCase());
      });
      const res = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "hello" });
      expect(res.status).toBe(200);
      const chunks = eventData(res.events, "chunk");
      expect(chunks.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(chunks.map((c) => c.delta).join("")).toBe("01234");
      expect(chunks[0].kind).toBe("thinking");
      const [done] = eventData(res.events, "done");
      expect(done).toMatchObject({ result: "HELLO", session_id: expect.any(String), attachments: [] });
      expect(connected.requests[0]).toMatchObject({ message: "hello", session_id: done.session_id });
      expect(connected.requests[0]!.client_id).toMatch(/^[0-9a-f]{32}$/);
      connected.stop();
    });

    it("streams 3 MiB written at once by the real connector client, whole and in order", async () => {
      // Many writes of the connector's socket, on Workers compressed first (workerd negotiates compression).
      const { user, agent, url } = await setup("burst-user");
      const piece = "z".repeat(64 * 1024);
      const connected = await connectAgent(url, user.token, agent.name, (_request, reply) => {
        for (let i = 0; i < 48; i++) reply.chunk(piece);
        reply.done("end");
      });
      const res = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "burst" });
      const chunks = eventData(res.events, "chunk");
      expect(chunks.map((c) => c.seq)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
      expect(chunks.every((c) => c.delta === piece)).toBe(true);
      expect(eventData(res.events, "done")[0]?.result).toBe("end");
      connected.stop();
    });

    it("answers plain JSON calls synchronously and keeps the caller's session id", async () => {
      const { url, user, agent } = await setup("sync-user");
      const connected = await connectAgent(url, user.token, agent.name);
      const res = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "ping",
        session_id: "conv-1",
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ result: "ping", session_id: "conv-1", attachments: [] });
      const other = await createUser(url, ctx().gateway.adminToken, "sync-other");
      await user.api.call("PATCH", `/v1/agents/${agent.name}`, { visibility: "public" });
      const stolen = await other.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "x",
        session_id: "conv-1",
      });
      expect(stolen.status).toBe(404);
      expect(stolen.body.error.code).toBe("session_not_found");
      connected.stop();
    });

    it("keeps a request's files under the agent running it: another user's agent cannot take a name first", async () => {
      const { url, user, agent } = await setup("files-owner");
      const mallory = await setup("files-other");
      const put = (token: string, requestId: string, agentId: string, body: string) =>
        fetch(`${url}/v1/attachments/${requestId}/note.txt?agent=${agentId}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${token}` },
          body,
        });
      let claimed!: () => void;
      const othersFirst = new Promise<void>((resolve) => {
        claimed = resolve;
      });
      const connected = await connectAgent(url, user.token, agent.name, async (request, reply) => {
        await othersFirst;
        const res = await put(user.token, request.id, agent.id, "the real note");
        if (!res.ok) return reply.error("upload_failed", await res.text());
        reply.done("attached", { attachments: [{ name: "note.txt", size: 13, url: "" }] });
      });
      try {
        const call = user.api.post(`/v1/agents/${agent.name}/messages`, { message: "a note please" });
        await waitFor(() => connected.requests.length === 1, { what: "the request at the agent" });
        const requestId = connected.requests[0]!.id;
        // Request ids are unique, not secret: another user's agent uploads the same name under it first.
        expect((await put(mallory.user.token, requestId, mallory.agent.id, "forged")).status).toBe(201);
        claimed();
        const res = await call;
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.attachments).toHaveLength(1);
        const fileUrl = new URL(res.body.attachments[0].url, url).href;
        const download = (token: string) => fetch(fileUrl, { headers: { authorization: `Bearer ${token}` } });
        expect(await (await download(user.token)).text()).toBe("the real note");
        expect((await download(mallory.user.token)).status).toBe(404);
        // Handed to its caller, the file stays as they got it.
        const again = await put(user.token, requestId, agent.id, "changed");
        expect(again.status).toBe(409);
        expect(((await again.json()) as { error: { code: string } }).error.code).toBe("attachment_exists");
        expect(await (await download(user.token)).text()).toBe("the real note");
      } finally {
        connected.stop();
      }
    });

    it("gives each caller a different stable client id", async () => {
      const { url, user, agent } = await setup("client-ids");
      await user.api.call("PATCH", `/v1/agents/${agent.name}`, { visibility: "public" });
      const other = await createUser(url, ctx().gateway.adminToken, "client-ids-2");
      const connected = await connectAgent(url, user.token, agent.name);
      await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "a" });
      await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "b" });
      await other.api.post(`/v1/agents/${agent.name}/messages`, { message: "c" });
      const [a, b, c] = connected.requests.map((r) => r.client_id);
      expect(a).toBe(b);
      expect(c).not.toBe(a);
      connected.stop();
    });

    it("says agent_offline (503) for live calls to an agent that is not connected", async () => {
      const { user, agent } = await setup("offline-user");
      const res = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "hi" });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("agent_offline");
      const streamed = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "hi" });
      expect(streamed.status).toBe(503);
    });

    it("says agent_busy (429) when the agent is at its concurrency limit", async () => {
      const { url, user, agent } = await setup("busy-user");
      const connected = await connectAgent(url, user.token, agent.name, () => {}, { maxInflight: 1 });
      const first = user.api.post(`/v1/agents/${agent.name}/messages`, { message: "slow" });
      await waitFor(() => connected.requests.length === 1, { what: "first request" });
      const second = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "more" });
      expect(second.status).toBe(429);
      expect(second.body.error.code).toBe("agent_busy");
      connected.stop();
      expect((await first).body.error.code).toBe("agent_offline");
    });

    it("surfaces agent errors as error events and sync errors with their code", async () => {
      const { url, user, agent } = await setup("error-user");
      const connected = await connectAgent(url, user.token, agent.name, (_r, reply) =>
        reply.error("adapter_failed", "exit 2"),
      );
      const streamed = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "x" });
      expect(eventData(streamed.events, "error")).toEqual([{ code: "adapter_failed", message: "exit 2" }]);
      const sync = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "x" });
      expect(sync.status).toBe(502);
      expect(sync.body.error.code).toBe("adapter_failed");
      // The gateway acknowledges errors as it does results, so the connector forgets them.
      await waitFor(() => connected.client.heldRequests === 0, { what: "acks" });
      connected.stop();
    });

    it("sends keepalive comments while the agent is silent", async () => {
      const { url, user, agent } = await setup("keepalive-user");
      const connected = await connectAgent(url, user.token, agent.name, async (_r, reply) => {
        await sleep(1200);
        reply.done("late");
      });
      const res = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "x" });
      expect(res.keepalives).toBeGreaterThanOrEqual(2);
      expect(eventData(res.events, "done")[0]?.result, JSON.stringify(res.events)).toBe("late");
      connected.stop();
    });

    it("cancels the agent's work when a streaming caller goes away", async () => {
      const { url, user, agent } = await setup("cancel-stream");
      let aborted = false;
      const connected = await connectAgent(url, user.token, agent.name, (_r, reply) => {
        reply.chunk("started");
        reply.signal.addEventListener("abort", () => {
          aborted = true;
        });
      });
      const controller = new AbortController();
      const pending = user.api
        .stream(
          `/v1/agents/${agent.name}/messages`,
          { message: "x" },
          { signal: controller.signal, onEvent: () => controller.abort() },
        )
        .catch(() => null);
      await pending;
      await waitFor(() => aborted, { what: "agent to see the cancel" });
      connected.stop();
    });

    it("cancels the agent's work when a caller waiting for a JSON answer goes away", async (test) => {
      if (ctx().runtime === "workerd") {
        // Under wrangler dev a hang-up never reaches the Worker: it runs on, its request.signal not aborted.
        test.skip("wrangler dev does not pass a caller's hang-up on to the Worker (docs/cloudflare.md)");
      }
      const { url, user, agent } = await setup("sync-leaver");
      let aborted = false;
      let started = false;
      const connected = await connectAgent(url, user.token, agent.name, (_r, reply) => {
        started = true;
        reply.signal.addEventListener("abort", () => {
          aborted = true;
        });
      });
      const controller = new AbortController();
      const pending = fetch(`${url}/v1/agents/${agent.name}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
        body: JSON.stringify({ message: "x" }),
        signal: controller.signal,
      }).catch(() => null);
      await waitFor(() => started, { what: "the agent to get the request" });
      await sleep(400); // past the age from which an ask watches its caller
      controller.abort();
      await pending;
      // Well before the call's own time limit (AGENT_MESH_SYNC_TIMEOUT_MS, 5 s from its start) would cancel it.
      await waitFor(() => aborted, { what: "agent to see the cancel", timeoutMs: 3000 });
      connected.stop();
    });

    it("queues async tasks, runs them, and reports A2A-mappable states", async () => {
      const { url, user, agent } = await setup("async-user");
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "later",
        async: true,
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({
        task_id: expect.any(String),
        status: "submitted",
        a2a_state: "TASK_STATE_SUBMITTED",
      });
      const taskId = accepted.body.task_id;
      const connected = await connectAgent(url, user.token, agent.name);
      const done = await waitFor(
        async () => {
          const res = await user.api.get(`/v1/tasks/${taskId}`);
          return res.body.status === "completed" ? res.body : null;
        },
        { what: "task completion" },
      );
      expect(done).toMatchObject({ message: "later", result: "later", a2a_state: "TASK_STATE_COMPLETED" });
      // A listing shows what each task was for.
      const listed = await user.api.get(`/v1/tasks?agent=${agent.name}`);
      expect(listed.body.tasks.find((t: { task_id: string }) => t.task_id === taskId)).toMatchObject({
        message: "later",
      });
      const stranger = await createUser(url, ctx().gateway.adminToken, "async-stranger");
      expect((await stranger.api.get(`/v1/tasks/${taskId}`)).status).toBe(404);
      connected.stop();
    });

    it("keeps a task's 2.5 MB answer whole (more than one Durable Object storage entry holds)", async () => {
      const { url, user, agent } = await setup("long-answer");
      const answer = "0123456789".repeat(250_000);
      const connected = await connectAgent(url, user.token, agent.name, (_request, reply) =>
        reply.done(answer),
      );
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "long",
        async: true,
      });
      expect(accepted.status).toBe(202);
      const done = await waitFor(
        async () => {
          const res = await user.api.get(`/v1/tasks/${accepted.body.task_id}`);
          return res.body.status === "completed" ? res.body : null;
        },
        { what: "the long answer's task to complete" },
      );
      expect(done.result).toBe(answer);
      connected.stop();
    });

    it("cancels a queued async task", async () => {
      const { user, agent } = await setup("cancel-task");
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "never",
        async: true,
      });
      const canceled = await user.api.call("DELETE", `/v1/tasks/${accepted.body.task_id}`);
      expect(canceled.body.status).toBe("canceled");
      expect((await user.api.call("DELETE", `/v1/tasks/${accepted.body.task_id}`)).body.error.code).toBe(
        "task_finished",
      );
    });

    it("POSTs the finished task to callback_url once, signed", async () => {
      const { url, user, agent } = await setup("callback-user");
      const { createServer } = await import("node:http");
      const received: Array<{ body: string; signature: string | undefined }> = [];
      const server = createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          received.push({ body, signature: req.headers["x-agent-mesh-signature"] as string | undefined });
          res.end("ok");
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as { port: number }).port;
      try {
        const connected = await connectAgent(url, user.token, agent.name);
        const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
          message: "cb",
          async: true,
          callback_url: `http://127.0.0.1:${port}/hook`,
        });
        expect(accepted.body.callback_secret).toMatch(/^[0-9a-f]{64}$/);
        await waitFor(() => received.length === 1, { what: "callback" });
        const payload = JSON.parse(received[0]!.body);
        expect(payload).toMatchObject({ task_id: accepted.body.task_id, status: "completed", result: "cb" });
        const { createHmac } = await import("node:crypto");
        const expected = createHmac("sha256", accepted.body.callback_secret)
          .update(received[0]!.body)
          .digest("hex");
        expect(received[0]!.signature).toBe(`sha256=${expected}`);
        connected.stop();
      } finally {
        server.close();
      }
    });

    it("closes the agent socket within 1 s when its token is revoked, with a don't-reconnect code", async () => {
      const { url, user, agent } = await setup("revoke-user");
      const connected = await connectAgent(url, user.token, agent.name);
      const started = Date.now();
      await apiClient(url, ctx().gateway.adminToken).call("DELETE", `/v1/tokens/${user.id}`);
      const stopped = await waitFor(() => connected.statuses.find((s) => s.type === "stopped"), {
        timeoutMs: 1000,
        what: "revocation close",
      });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(stopped).toMatchObject({ code: 4101 });
    });

    it("revoking a token also disconnects agents whose credential came from its tickets", async () => {
      const { url, user, agent } = await setup("revoke-parent");
      const ticket = await user.api.post(`/v1/agents/${agent.name}/tickets`);
      const redeemed = await apiClient(url).post(new URL(ticket.body.url).pathname);
      const connected = await connectAgent(url, redeemed.body.token, undefined);
      await apiClient(url, ctx().gateway.adminToken).call("DELETE", `/v1/tokens/${user.id}`);
      await waitFor(() => connected.statuses.find((s) => s.type === "stopped"), {
        timeoutMs: 1000,
        what: "child revocation",
      });
      await expect(connectAgent(url, redeemed.body.token, undefined)).rejects.toThrow(/4101/);
    });

    it("lets a newer authenticated connection replace the old one, which is told not to reconnect", async () => {
      const { url, user, agent } = await setup("replace-user");
      const first = await connectAgent(url, user.token, agent.name);
      await expect(
        connectAgent(url, "amk_bad_000000000000000000000000000000000000000000000000", agent.name),
      ).rejects.toThrow(/4100/);
      expect(first.client.connected).toBe(true);
      const second = await connectAgent(url, user.token, agent.name, (r, reply) =>
        reply.done(`second:${r.message}`),
      );
      await waitFor(() => first.statuses.find((s) => s.type === "stopped" && s.code === 4102), {
        what: "replaced close",
      });
      const res = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "who" });
      expect(res.body.result, JSON.stringify(res.body)).toBe("second:who");
      second.stop();
    });

    it("refuses a connector for someone else's agent", async () => {
      const { url, agent } = await setup("owner-connect");
      const mallory = await createUser(url, ctx().gateway.adminToken, "mallory");
      await expect(connectAgent(url, mallory.token, agent.name)).rejects.toThrow(/4100/);
    });
  });
}
