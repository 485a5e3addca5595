/**
 * Following work: re-attaching to a dropped stream with Last-Event-ID, following a task over SSE, listing a
 * caller's tasks, and continuing an input-required task.
 */
import { describe, expect, it } from "vitest";
import { apiClient, eventData, readEvents, startStreamCall, told } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { connectRawAgent, sendWithGaps } from "../../helpers/raw-agent.ts";
import { sleep, waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

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

    it("tells callers which chunks never reached the gateway, live and when they re-attach", async () => {
      const { url, user, agent } = await setup("gap-user");
      // A connector that lost frames in flight (it keeps a bounded tail of them: connector/src/client/replay-tail.ts)
      // resumes past them. Spoken here over a raw socket, so the seqs jump where the test says.
      const raw = await connectRawAgent(url, user.token, agent.name);
      try {
        let requestId: string | null = null;
        const live = user.api.stream(
          `/v1/agents/${agent.name}/messages`,
          { message: "go" },
          { onResponse: (res) => (requestId = res.headers.get("x-agent-mesh-request-id")) },
        );
        sendWithGaps(raw, (await raw.nextRequest()).id);
        const { events } = await live;
        expect(told(events)).toEqual(["chunk 1", "gap 3", "chunk 4", "gap 5", "done 6"]);
        expect(eventData(events, "gap")).toMatchObject([
          { code: "output_lost", after: 1, next: 4, message: expect.stringContaining("Chunks 2-3") },
          { code: "output_lost", after: 4, next: 6, message: expect.stringContaining("Chunk 5") },
        ]);
        expect(eventData(events, "done")[0].result).toBe("abcdef");
        // A caller that re-attaches hears of the chunks it cannot get, unless it was told already (the gap's id).
        const again = async (lastEventId: string) => {
          const res = await fetch(`${url}/v1/agents/${agent.name}/messages/${requestId}`, {
            headers: auth(user.token, { accept: "text/event-stream", "last-event-id": lastEventId }),
          });
          expect(res.status).toBe(200);
          return told(await readEvents(res));
        };
        expect(await again("0")).toEqual(["chunk 1", "gap 3", "chunk 4", "gap 5", "done 6"]);
        expect(await again("3")).toEqual(["chunk 4", "gap 5", "done 6"]);
        expect(await again("2")).toEqual(["gap 3", "chunk 4", "gap 5", "done 6"]);
        expect(await again("5")).toEqual(["done 6"]);
      } finally {
        raw.close();
      }
    });

    it("tells a task's followers which chunks of its turn never reached the gateway", async () => {
      const { url, user, agent } = await setup("gap-task");
      const raw = await connectRawAgent(url, user.token, agent.name);
      try {
        const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
          message: "go",
          async: true,
        });
        const request = await raw.nextRequest();
        const res = await fetch(`${url}/v1/tasks/${accepted.body.task_id}/events`, {
          headers: auth(user.token, { accept: "text/event-stream" }),
          signal: AbortSignal.timeout(10_000),
        });
        // The agent goes on once the follower was told the turn runs (it follows the delivery from then on).
        let following!: () => void;
        const attached = new Promise<void>((resolve) => {
          following = resolve;
        });
        const events = readEvents(res, (event) => void (event.event === "status" && following()));
        await attached;
        sendWithGaps(raw, request.id);
        const stream = (await events).filter((event) => event.event !== "status");
        expect(told(stream)).toEqual(["chunk 1", "gap 3", "chunk 4", "gap 5", "done undefined"]);
        expect(eventData(stream, "done")[0]).toMatchObject({ status: "completed", result: "abcdef" });
      } finally {
        raw.close();
      }
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
      // That it is working comes first, before the chunks replayed to it.
      expect(rest.map((e) => e.event)).toEqual(["status", "chunk", "chunk", "done"]);
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

    it("lets an agent credential reach only the live calls it made, and its user's tokens all of them", async () => {
      const { url, user, agent } = await setup("reach-live");
      // A ticket's credential lives on another agent's machine; request ids are unique, not secret.
      const other = await createAgent(user.api);
      const ticket = await user.api.post(`/v1/agents/${other.name}/tickets`);
      const credentialToken = (await apiClient(url).post(new URL(ticket.body.url).pathname)).body.token;
      const credential = apiClient(url, credentialToken);
      const connected = await connectAgent(url, user.token, agent.name, async (_request, reply) => {
        const answer = await reply.ask({ prompt_id: "p1", tool: "Write", input: {}, summary: "Write it" });
        reply.done(answer.decision);
      });
      const base = `/v1/agents/${agent.name}/messages`;
      /** Starts a call as `caller`; at its prompt, `atPrompt` runs with the request id and answers it. */
      const callWithPrompt = async (
        caller: typeof credential,
        atPrompt: (requestId: string) => Promise<void>,
      ) => {
        let requestId = "";
        let checked: Promise<void> = Promise.resolve();
        const res = await caller.stream(
          base,
          { message: "write it" },
          {
            onResponse: (r) => {
              requestId = r.headers.get("x-agent-mesh-request-id") ?? "";
            },
            onEvent: (event) => {
              if (event.event === "permission") checked = atPrompt(requestId);
            },
          },
        );
        await checked;
        return eventData(res.events, "done")[0]?.result;
      };
      /** Answering its prompt, re-attaching to it and stopping it, as the credential: each answer's status. */
      const reachAsCredential = async (requestId: string) => {
        const followed = await fetch(`${url}${base}/${requestId}`, {
          headers: auth(credentialToken, { accept: "text/event-stream", "last-event-id": "0" }),
        });
        await followed.body?.cancel();
        const answered = await credential.post(`${base}/${requestId}/input`, {
          prompt_id: "p1",
          decision: "allow",
        });
        const stopped = await credential.call("DELETE", `${base}/${requestId}`);
        return [followed.status, answered.status, stopped.status];
      };
      const refused: number[][] = [];
      // The user's own call: the credential can neither answer, follow nor stop it; the user answers.
      const mine = await callWithPrompt(user.api, async (requestId) => {
        refused.push(await reachAsCredential(requestId));
        await user.api.post(`${base}/${requestId}/input`, { prompt_id: "p1", decision: "deny" });
      });
      expect(refused).toEqual([[404, 404, 404]]);
      expect(mine).toBe("deny");
      // The credential's own call: it answers it itself.
      const its = await callWithPrompt(credential, async (requestId) => {
        const answered = await credential.post(`${base}/${requestId}/input`, {
          prompt_id: "p1",
          decision: "allow",
        });
        expect(answered.status).toBe(200);
      });
      expect(its).toBe("allow");
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
