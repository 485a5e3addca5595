/** Nothing lost when things fail: reconnect-resume, grace expiry, connector death, gateway restart. */
import { describe, expect, it } from "vitest";
import { eventData } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { sleep, waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

export function resilienceContract(ctx: () => GatewayContext): void {
  describe("resilience", () => {
    async function setup(name: string) {
      const { url, adminToken } = ctx().gateway;
      const user = await createUser(url, adminToken, name);
      const agent = await createAgent(user.api);
      return { url, user, agent };
    }

    it("resumes a stream across a connector reconnect: every chunk exactly once, in order", async () => {
      const { url, user, agent } = await setup("resume-user");
      const connected = await connectAgent(url, user.token, agent.name, async (_r, reply) => {
        for (let i = 1; i <= 30; i++) {
          reply.chunk(`${i},`);
          if (i === 10) connected.client.dropConnection();
          await sleep(10);
        }
        reply.done("end");
      });
      const res = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "go" });
      const chunks = eventData(res.events, "chunk");
      expect(chunks.map((c) => c.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(chunks.map((c) => c.delta).join("")).toBe(
        Array.from({ length: 30 }, (_, i) => `${i + 1},`).join(""),
      );
      expect(eventData(res.events, "done")[0].result).toBe("end");
      expect(connected.statuses.filter((s) => s.type === "connected").length).toBe(2);
      connected.stop();
    });

    it("fails the stream with agent_offline when the agent does not come back within the grace window", async () => {
      const { url, user, agent } = await setup("grace-user");
      const connected = await connectAgent(url, user.token, agent.name, (_r, reply) =>
        reply.chunk("partial"),
      );
      const started = Date.now();
      // Gone once the chunk is through, without a goodbye (one would end the call at once: connector-goodbye.test.ts).
      const res = await user.api.stream(
        `/v1/agents/${agent.name}/messages`,
        { message: "x" },
        { onEvent: (event) => event.event === "chunk" && connected.vanish() },
      );
      expect(eventData(res.events, "chunk")[0].delta).toBe("partial");
      expect(eventData(res.events, "error")[0].code).toBe("agent_offline");
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    });

    it("fails at once when a restarted connector no longer holds the request", async () => {
      const { url, user, agent } = await setup("lost-user");
      const first = await connectAgent(url, user.token, agent.name, () => {
        setTimeout(() => first.vanish(), 20);
      });
      const pending = user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "x" });
      await waitFor(() => first.requests.length === 1);
      await sleep(50);
      const started = Date.now();
      const second = await connectAgent(url, user.token, agent.name);
      const res = await pending;
      expect(eventData(res.events, "error")[0].code).toBe("agent_offline");
      expect(Date.now() - started).toBeLessThan(1000);
      second.stop();
    });

    it("keeps async tasks across a gateway restart and delivers them when the agent connects", async () => {
      const { gateway } = ctx();
      const { user, agent } = await setup("restart-user");
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "survive",
        async: true,
      });
      expect(accepted.status).toBe(202);
      await gateway.restart();
      const connected = await connectAgent(gateway.url, user.token, agent.name);
      const task = await waitFor(
        async () => {
          const res = await user.api.get(`/v1/tasks/${accepted.body.task_id}`);
          return res.body.status === "completed" ? res.body : null;
        },
        { what: "task after restart" },
      );
      expect(task.result).toBe("survive");
      connected.stop();
    });

    it("stamps last_seen of the agents connected when the gateway stops, and they come back", async (context) => {
      const { gateway, notThrough } = ctx();
      if (notThrough?.stampAtStop) {
        console.warn(`SKIPPED: last_seen stamped at a gateway stop (${notThrough.stampAtStop})`);
        return context.skip(notThrough.stampAtStop);
      }
      const { user, agent } = await setup("stop-stamp");
      const connected = await connectAgent(gateway.url, user.token, agent.name);
      // The hello's own stamp first: a later hello finds it fresh and writes nothing, so only the stop can move it.
      const first = await waitFor(
        async () => (await user.api.get(`/v1/agents/${agent.name}`)).body.last_seen as string | null,
        { what: "last_seen of the hello" },
      );
      await sleep(5);
      const stopping = Date.now();
      await gateway.restart();
      await waitFor(() => connected.client.connected, { timeoutMs: 10_000, what: "reconnect" });
      const after = (await user.api.get(`/v1/agents/${agent.name}`)).body;
      expect(after.online).toBe(true);
      expect(Date.parse(after.last_seen), `${first} → ${after.last_seen}`).toBeGreaterThanOrEqual(stopping);
      connected.stop();
    });

    it("finishes a task that was running when the gateway restarted", async () => {
      const { gateway } = ctx();
      const { user, agent } = await setup("restart-running");
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const connected = await connectAgent(gateway.url, user.token, agent.name, async (request, reply) => {
        reply.chunk("working");
        await released;
        reply.done(`done:${request.message}`);
      });
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "long",
        async: true,
      });
      await waitFor(() => connected.requests.length === 1, { what: "delivery" });
      await gateway.restart();
      await waitFor(() => connected.client.connected, { timeoutMs: 10_000, what: "reconnect" });
      release();
      const task = await waitFor(
        async () => {
          const res = await user.api.get(`/v1/tasks/${accepted.body.task_id}`);
          return res.body.status === "completed" ? res.body : null;
        },
        { what: "task completion" },
      );
      expect(task.result).toBe("done:long");
      expect(
        connected.requests.map((r) => r.id),
        JSON.stringify(connected.statuses),
      ).toEqual([accepted.body.task_id]);
      expect(connected.requests.length).toBe(1);
      connected.stop();
    });

    it("passes the answer to a prompt asked before the gateway restarted to the agent holding the task", async () => {
      const { gateway } = ctx();
      const { user, agent } = await setup("restart-prompt");
      const connected = await connectAgent(gateway.url, user.token, agent.name, async (_request, reply) => {
        const answer = await reply.ask({ prompt_id: "p1", tool: "Bash", summary: "Run: make" });
        reply.done(`the caller said ${answer.decision}`);
      });
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "build",
        async: true,
      });
      const taskId = accepted.body.task_id;
      const asking = async () => (await user.api.get(`/v1/tasks/${taskId}`)).body.status === "input-required";
      await waitFor(asking, { what: "the prompt" });
      await gateway.restart();
      await waitFor(() => connected.client.connected, { timeoutMs: 10_000, what: "reconnect" });
      expect(await asking()).toBe(true);
      const answered = await user.api.post(`/v1/tasks/${taskId}/input`, {
        prompt_id: "p1",
        decision: "allow",
      });
      expect(answered.status, JSON.stringify(answered.body)).toBe(200);
      const task = await waitFor(
        async () => {
          const res = await user.api.get(`/v1/tasks/${taskId}`);
          return res.body.status === "completed" ? res.body : null;
        },
        { what: "task completion" },
      );
      expect(task.result).toBe("the caller said allow");
      connected.stop();
    });

    it("does not show an answered prompt again when the agent replays its turn to a restarted gateway", async () => {
      const { gateway } = ctx();
      const { user, agent } = await setup("restart-answered");
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const connected = await connectAgent(gateway.url, user.token, agent.name, async (_request, reply) => {
        const answer = await reply.ask({ prompt_id: "p1", tool: "Bash", summary: "Run: make" });
        reply.chunk(`the caller said ${answer.decision}; building`);
        await released;
        reply.done("built");
      });
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "build",
        async: true,
      });
      const taskId = accepted.body.task_id;
      const status = async () => (await user.api.get(`/v1/tasks/${taskId}`)).body.status as string;
      await waitFor(async () => (await status()) === "input-required", { what: "the prompt" });
      await user.api.post(`/v1/tasks/${taskId}/input`, { prompt_id: "p1", decision: "allow" });
      await waitFor(async () => (await status()) === "working", { what: "the answer taken" });
      await gateway.restart();
      // The connector replays the turn from its start, prompt included: the task must stay working.
      await waitFor(() => connected.client.connected, { timeoutMs: 10_000, what: "reconnect" });
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        seen.add(await status());
        await sleep(25);
      }
      expect([...seen]).toEqual(["working"]);
      release();
      await waitFor(async () => (await status()) === "completed", { what: "task completion" });
      connected.stop();
    });

    it("completes a task whose agent finished while the gateway was down", async () => {
      const { gateway } = ctx();
      const { user, agent } = await setup("done-while-down");
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const connected = await connectAgent(gateway.url, user.token, agent.name, async (request, reply) => {
        reply.chunk("working");
        await released;
        reply.done(`finished:${request.message}`);
      });
      const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, {
        message: "offline",
        async: true,
      });
      await waitFor(() => connected.requests.length === 1, { what: "delivery" });
      await gateway.restart(async () => {
        release();
        await sleep(50);
      });
      const task = await waitFor(
        async () => {
          const res = await user.api.get(`/v1/tasks/${accepted.body.task_id}`);
          return res.body.status === "completed" ? res.body : null;
        },
        { timeoutMs: 10_000, what: "task completion" },
      );
      expect(task.result).toBe("finished:offline");
      connected.stop();
    });
  });
}
