/**
 * An SSE answer's headers reach the caller at once, before the agent sends anything: a live call's request id (the
 * caller cancels with it) and a queued task's event stream. Bun sends a streamed response's headers with its
 * first bytes, and the keepalive here is a minute away, so without the stream's opening comment (util/sse-body.ts)
 * each `fetch` below would still be waiting there when the test times out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTaskEvents, startStreamCall } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";

for (const runtime of ["node", "bun", "deno", "workerd"] as RuntimeName[]) {
  describe(`SSE headers on ${runtime}`, () => {
    let gateway: GatewayProcess;
    let user: Awaited<ReturnType<typeof createUser>>;
    beforeAll(async () => {
      gateway = await startGateway({ runtime, env: { AGENT_MESH_KEEPALIVE_MS: "60000" } });
      user = await createUser(gateway.url, gateway.adminToken, `sse-headers-${runtime}`);
    });
    afterAll(async () => gateway?.stop());

    it("a live call's stream gives its request id before the agent's first chunk, and the caller stops it", async () => {
      const agent = await createAgent(user.api);
      let stopped = false;
      const connected = await connectAgent(gateway.url, user.token, agent.name, (_request, reply) => {
        reply.signal.addEventListener("abort", () => {
          stopped = true;
        });
      });
      try {
        const res = await startStreamCall(gateway.url, user.token, agent.name);
        expect(res.status).toBe(200);
        const requestId = res.headers.get("x-agent-mesh-request-id");
        expect(requestId).toMatch(/^rq_/);
        const stop = await user.api.call("DELETE", `/v1/agents/${agent.name}/messages/${requestId}`);
        expect(stop.body).toEqual({ request_id: requestId, canceled: true });
        expect(await res.text()).toContain('"code":"canceled"');
        await waitFor(() => stopped, { what: "the agent told to stop" });
      } finally {
        connected.stop();
      }
    });

    it("a queued task's event stream answers before the task runs, then follows it to its end", async () => {
      const agent = await createAgent(user.api);
      const queued = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "later",
        async: true,
      });
      expect(queued.status).toBe(202);
      const events: string[] = [];
      let answered!: (res: Response) => void;
      const headers = new Promise<Response>((resolve) => {
        answered = resolve;
      });
      const followed = readTaskEvents(
        gateway.url,
        user.token,
        queued.body.task_id,
        (event, data) => {
          events.push(`${event}:${data.result ?? ""}`);
        },
        answered,
      );
      // The agent is not connected yet: the task waits in the queue.
      expect((await headers).headers.get("content-type")).toContain("text/event-stream");
      const connected = await connectAgent(gateway.url, user.token, agent.name);
      try {
        await followed;
        expect(events.at(-1)).toBe("done:later");
      } finally {
        connected.stop();
      }
    });
  });
}
