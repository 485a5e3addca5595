/**
 * Following work: re-attaching to a dropped stream with Last-Event-ID, following a task over SSE, listing a
 * caller's tasks, and continuing an input-required task.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { eventData, startStreamCall } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { sleep, waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

/** Reads SSE events from a response until `stopAfter` says so (then drops the connection) or the stream ends. */
async function readEvents(
  res: Response,
  stopAfter?: (event: EventSourceMessage) => boolean | undefined,
  controller?: AbortController,
): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  let stop = false;
  const parser = createParser({
    onEvent: (event) => {
      if (stop) return;
      events.push(event);
      if (stopAfter?.(event)) stop = true;
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(part, { stream: true }));
      if (stop) {
        controller?.abort();
        break;
      }
    }
  } catch {
    // Aborted on purpose.
  }
  return events;
}

export function followContract(ctx: () => GatewayContext): void {
  async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const user = await createUser(url, adminToken, name);
    const agent = await createAgent(user.api);
    return { url, user, agent };
  }
  const auth = (token: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    ...extra,
  });

  describe("following work", () => {
    it("re-attaches a dropped stream with Last-Event-ID and delivers every missed chunk once", async () => {
      const { url, user, agent } = await setup("resume-user");
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const connected = await connectAgent(url, user.token, agent.name, async (_request, reply) => {
        for (let i = 1; i <= 3; i++) reply.chunk(`a${i} `);
        await gate;
        for (let i = 1; i <= 3; i++) reply.chunk(`b${i} `);
        reply.done("finished");
      });
      const controller = new AbortController();
      const first = await startStreamCall(url, user.token, agent.name, controller.signal);
      const requestId = first.headers.get("x-agent-mesh-request-id");
      const sessionId = first.headers.get("x-agent-mesh-session-id");
      expect(requestId).toBeTruthy();
      const seen = await readEvents(first, (e) => e.id === "2", controller);
      expect(seen.map((e) => e.id)).toEqual(["1", "2"]);
      release(); // The agent goes on while the caller is away.
      await sleep(100);
      const again = await fetch(
        `${url}/v1/agents/${agent.name}/messages/${requestId}?session_id=${sessionId}`,
        { headers: auth(user.token, { accept: "text/event-stream", "last-event-id": "2" }) },
      );
      expect(again.status).toBe(200);
      const rest = await readEvents(again);
      const chunks = eventData(rest, "chunk");
      expect(chunks.map((c) => c.seq)).toEqual([3, 4, 5, 6]);
      expect(chunks.map((c) => c.delta).join("")).toBe("a3 b1 b2 b3 ");
      expect(eventData(rest, "done")[0]).toMatchObject({ result: "finished", session_id: sessionId });
      connected.stop();
    });

    it("refuses to re-attach someone else's call, or one that never existed", async () => {
      const { url, user, agent } = await setup("resume-owner");
      const connected = await connectAgent(url, user.token, agent.name, (_r, reply) => reply.chunk("…"));
      await user.api.call("PATCH", `/v1/agents/${agent.name}`, { visibility: "public" });
      const controller = new AbortController();
      const first = await startStreamCall(url, user.token, agent.name, controller.signal);
      const requestId = first.headers.get("x-agent-mesh-request-id");
      const stranger = await createUser(url, ctx().gateway.adminToken, "resume-stranger");
      const stolen = await stranger.api.get(`/v1/agents/${agent.name}/messages/${requestId}`);
      expect(stolen.status).toBe(404);
      expect(stolen.body.error.code).toBe("request_not_found");
      const missing = await user.api.get(`/v1/agents/${agent.name}/messages/rq_nope`);
      expect(missing.body.error.code).toBe("request_not_found");
      controller.abort();
      connected.stop();
    });

    it("follows a task over SSE, replaying what a re-attaching follower missed", async () => {
      const { url, user, agent } = await setup("task-follow");
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const connected = await connectAgent(url, user.token, agent.name, async (_request, reply) => {
        reply.chunk("one ");
        reply.chunk("two ");
        await gate;
        reply.chunk("three");
        reply.done("one two three");
      });
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "x",
        async: true,
      });
      const taskId = accepted.body.task_id;
      const controller = new AbortController();
      const first = await fetch(`${url}/v1/tasks/${taskId}/events`, {
        headers: auth(user.token),
        signal: controller.signal,
      });
      const seen = await readEvents(first, (e) => e.id === "1", controller);
      expect(eventData(seen, "chunk").map((c) => c.delta)).toEqual(["one "]);
      const again = await fetch(`${url}/v1/tasks/${taskId}/events`, {
        headers: auth(user.token, { "last-event-id": "1" }),
      });
      // The agent goes on only once the replay arrived, so the task is still running when we re-attach.
      const rest = await readEvents(again, (e) => void (e.id === "2" && release()));
      const deltas = eventData(rest, "chunk").map((c) => c.delta);
      expect(deltas).toEqual(["two ", "three"]);
      expect(eventData(rest, "done")[0]).toMatchObject({ status: "completed", result: "one two three" });
      // A finished task's stream is just its ending.
      const late = await readEvents(
        await fetch(`${url}/v1/tasks/${taskId}/events`, { headers: auth(user.token) }),
      );
      expect(late.map((e) => e.event)).toEqual(["done"]);
      connected.stop();
    });

    it("lists a caller's tasks newest first, by agent and status, a page at a time", async () => {
      const { url, user, agent } = await setup("task-list");
      const other = await createAgent(user.api);
      const ids: string[] = [];
      for (const target of [agent.name, other.name, agent.name]) {
        const res = await user.api.post(`/v1/agents/${target}/messages`, { message: "x", async: true });
        ids.push(res.body.task_id);
      }
      const all = await user.api.get("/v1/tasks?limit=2");
      expect(all.body.tasks.map((t: { id: string }) => t.id)).toEqual([ids[2], ids[1]]);
      const next = await user.api.get(`/v1/tasks?limit=2&cursor=${all.body.next_cursor}`);
      expect(next.body.tasks.map((t: { id: string }) => t.id)).toEqual([ids[0]]);
      expect(next.body.next_cursor).toBeNull();
      const mine = await user.api.get(`/v1/tasks?agent=${agent.name}&status=submitted`);
      expect(mine.body.tasks.map((t: { id: string }) => t.id)).toEqual([ids[2], ids[0]]);
      expect((await user.api.get("/v1/tasks?status=bogus")).body.error.code).toBe("invalid_request");
      for (const cursor of ["../x", "", ids[0]!.toUpperCase()]) {
        const bad = await user.api.get(`/v1/tasks?cursor=${encodeURIComponent(cursor)}`);
        expect([bad.status, bad.body.error?.code]).toEqual([400, "invalid_request"]);
      }
      const stranger = await createUser(url, ctx().gateway.adminToken, "task-list-stranger");
      expect((await stranger.api.get("/v1/tasks")).body.tasks).toEqual([]);
    });

    it("continues an input-required task with a new message in the same session", async () => {
      const { url, user, agent } = await setup("task-continue");
      const connected = await connectAgent(url, user.token, agent.name, (request, reply) => {
        if (request.message === "book a table") reply.done("For how many?", { inputRequired: true });
        else reply.done(`Booked for ${request.message}.`);
      });
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "book a table",
        async: true,
      });
      const taskId = accepted.body.task_id;
      const asked = await waitFor(async () => {
        const res = await user.api.get(`/v1/tasks/${taskId}`);
        return res.body.status === "input-required" ? res.body : null;
      });
      expect(asked).toMatchObject({
        message: "book a table",
        result: "For how many?",
        a2a_state: "TASK_STATE_INPUT_REQUIRED",
      });
      const continued = await user.api.post(`/v1/tasks/${taskId}/messages`, { message: "four" });
      expect(continued.status).toBe(202);
      expect(continued.body).toMatchObject({ status: "submitted", turn: 2 });
      const done = await waitFor(async () => {
        const res = await user.api.get(`/v1/tasks/${taskId}`);
        return res.body.status === "completed" ? res.body : null;
      });
      expect(done).toMatchObject({ message: "four", result: "Booked for four.", turn: 2 });
      expect(connected.requests.map((r) => r.session_id)).toEqual([
        accepted.body.session_id,
        accepted.body.session_id,
      ]);
      const again = await user.api.post(`/v1/tasks/${taskId}/messages`, { message: "five" });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe("task_not_waiting");
      connected.stop();
    });

    it("carries the chain of calling agents to the agent, and stops loops and chains past the depth", async () => {
      const { url, user, agent } = await setup("call-chain");
      const connected = await connectAgent(url, user.token, agent.name);
      const upstream = ["ag_00000000000000a1", "ag_00000000000000a2"];
      const post = (chain: string) =>
        fetch(`${url}/v1/agents/${agent.name}/messages`, {
          method: "POST",
          headers: auth(user.token, { "content-type": "application/json", "x-agent-mesh-chain": chain }),
          body: JSON.stringify({ message: "hop" }),
        });
      expect((await post(upstream.join(","))).status).toBe(200);
      expect(connected.requests[0]!.chain).toEqual([...upstream, agent.id]);
      const loop = await post(`${upstream[0]},${agent.id}`);
      expect(loop.status).toBe(409);
      expect((await loop.json()).error.code).toBe("call_loop");
      const deep = await post([...upstream, "ag_00000000000000a3", "ag_00000000000000a4"].join(","));
      expect((await deep.json()).error.code).toBe("call_depth_exceeded");
      const bad = await post("not-an-id");
      expect(bad.status).toBe(400);
      expect(connected.requests).toHaveLength(1);
      connected.stop();
    });
  });
}
