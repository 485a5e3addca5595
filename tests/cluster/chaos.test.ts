/**
 * Faults around the shared Redis and the network, three nodes (Bun, Deno, Bun): a killed pub/sub connection loses
 * and repeats no chunk; 200 async tasks to an agent whose connection hops between nodes are each run once; a task
 * whose handoff a Redis outage swallowed is delivered once Redis is back; Redis restarted under load loses nothing.
 */
import { afterAll, describe, expect, it } from "vitest";
import { apiClient, eventData } from "../helpers/api.ts";
import { startCluster } from "../helpers/cluster.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const cluster = await startCluster(["bun", "deno", "bun"]);

describe.skipIf(!cluster)("cluster chaos (3 nodes)", () => {
  afterAll(async () => cluster?.stop());
  const c = cluster!;

  /**
   * A new user's agent, connected and present, that answers `ok:<message>` after `before` (runs counted per
   * request id, so a test can tell a task run twice).
   */
  async function countingAgent(userName: string, before: () => Promise<void> | void = () => {}) {
    const user = await createUser(c.url, c.adminToken, userName);
    const agent = await createAgent(user.api);
    const runs = new Map<string, number>();
    const connected = await connectAgent(c.url, user.token, agent.name, async (request, reply) => {
      runs.set(request.id, (runs.get(request.id) ?? 0) + 1);
      await before();
      reply.done(`ok:${request.message}`);
    });
    await waitFor(async () => (await c.homeOf(agent.id)) >= 0, { what: "presence" });
    return { user, agent, runs, connected };
  }

  /** An async task running on a connected agent that holds it until `release` (runs counted per request id). */
  async function heldTask(userName: string, message: string) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { user, agent, runs, connected } = await countingAgent(userName, () => released);
    const accepted = await user.api.post(`/v1/agents/${agent.name}/messages`, { message, async: true });
    expect(accepted.status).toBe(202);
    const taskId: string = accepted.body.task_id;
    await waitFor(() => runs.get(taskId) === 1, { what: "the task running on the agent" });
    return { user, agent, connected, runs, release, taskId };
  }

  it("CLIENT KILL TYPE pubsub mid-stream: the caller on another node gets every chunk once, in order", async () => {
    const user = await createUser(c.url, c.adminToken, "pubsub-user");
    const agent = await createAgent(user.api);
    const connected = await connectAgent(c.url, user.token, agent.name, async (_request, reply) => {
      for (let i = 1; i <= 200; i++) {
        reply.chunk(`${i};`);
        if (i % 20 === 0) await sleep(20);
      }
      reply.done("end");
    });
    const home = (await waitFor(async () => (await c.homeOf(agent.id)) + 1)) - 1;
    const caller = apiClient(c.nodes[(home + 1) % 3]!.url, user.token);
    const streamed = caller.stream(`/v1/agents/${agent.name}/messages`, { message: "go" });
    await sleep(60);
    await c.redis.call("CLIENT", "KILL", "TYPE", "pubsub");
    const res = await streamed;
    const chunks = res.events.filter((event) => event.event === "chunk").map((event) => Number(event.id));
    expect(chunks).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(eventData(res.events, "done")[0].result).toBe("end");
    connected.stop();
  });

  it("200 async tasks to an agent whose connection hops between nodes are each run once", async () => {
    const { user, agent, runs, connected } = await countingAgent("hop-user", () => sleep(Math.random() * 10));
    const homes = new Set<number>();
    const ids: string[] = [];
    // Four tasks at a time and a hop every twelve, so hops land while turns start, run and end on every node.
    for (let i = 0; i < 200; i += 4) {
      const batch = await Promise.all(
        [0, 1, 2, 3].map(async (j) => {
          // Callers go straight to the nodes (round robin), so cutting the balancer's connections only moves the agent.
          const node = c.nodes[(i + j) % 3]!;
          const res = await apiClient(node.url, user.token).post(`/v1/agents/${agent.name}/messages`, {
            message: `t${i + j}`,
            async: true,
          });
          expect(res.status, JSON.stringify(res.body)).toBe(202);
          return res.body.task_id as string;
        }),
      );
      ids.push(...batch);
      if (i % 12 === 8) {
        homes.add(await c.homeOf(agent.id));
        c.dropConnections();
      }
    }
    const viaAny = apiClient(c.nodes[0]!.url, user.token);
    let unfinished: unknown[] = [];
    await waitFor(
      async () => {
        unfinished = [];
        for (const id of ids) {
          const task = await viaAny.get(`/v1/tasks/${id}`);
          if (task.body.status !== "completed") unfinished.push({ ...task.body, runs: runs.get(id) });
        }
        return unfinished.length === 0;
      },
      { timeoutMs: 20_000, what: "every task completed" },
    ).catch(() => expect(unfinished, "tasks not completed").toEqual([]));
    homes.add(await c.homeOf(agent.id));
    expect(homes.size, "the agent should have moved between nodes").toBeGreaterThan(1);
    expect([...runs.keys()].sort()).toEqual([...ids].sort());
    expect(
      [...runs].filter(([, count]) => count !== 1),
      "tasks that ran more than once",
    ).toEqual([]);
    connected.stop();
  });

  it("a turn another node re-queued while the connector still runs it is re-attached where the agent reconnects and ends once", async () => {
    const { user, agent, connected, runs, release, taskId } = await heldTask("stale-requeue-user", "held");
    // What a node the agent left writes when its grace runs out before it hears where the agent went: the turn
    // back in the queue, though the connector still runs it.
    const key = `${c.prefix}task:${agent.id}:${taskId.slice(taskId.indexOf(".") + 1)}`;
    const stored = JSON.parse((await c.redis.get(key))!);
    expect(stored.status).toBe("working");
    await c.redis.set(key, JSON.stringify({ ...stored, status: "submitted" }));
    c.dropConnections();
    await waitFor(
      async () =>
        connected.statuses.filter((status) => status.type === "connected").length > 1 &&
        (await c.homeOf(agent.id)) >= 0,
      { what: "the agent connected again" },
    );
    release();
    const task = await waitFor(
      async () => {
        const res = await user.api.get(`/v1/tasks/${taskId}`);
        return res.body.status === "completed" ? res.body : null;
      },
      { timeoutMs: 10_000, what: "the held turn completed" },
    );
    expect(task.result).toBe("ok:held");
    await sleep(500); // a second delivery, if any, would arrive by now
    expect(runs.get(taskId)).toBe(1);
    connected.stop();
  });

  it("a task the agent finished while Redis was away is not sent again by the node the agent reconnects to", async () => {
    const { user, connected, runs, release, taskId } = await heldTask("ack-after-save-user", "once");
    // The outcome cannot be saved while Redis is away; the connector must keep holding the turn until it is, or
    // the node it reconnects to lists the turn as still working and sends it again.
    await c.server.halt();
    try {
      release();
      await sleep(400); // several sweeps: an ack sent before the save would have reached the connector by now
      c.dropConnections();
      await sleep(100);
    } finally {
      await c.server.start();
    }
    await c.storeBack();
    const task = await waitFor(
      async () => {
        const res = await user.api.get(`/v1/tasks/${taskId}`);
        return res.body?.status === "completed" ? res.body : null;
      },
      { timeoutMs: 10_000, what: "the task completed" },
    );
    expect(task.result).toBe("ok:once");
    await sleep(1000); // a second delivery, if any, would arrive by now
    expect(runs.get(taskId)).toBe(1);
    connected.stop();
  });

  it("a task accepted while its handoff to the agent's node was lost is delivered once that node's Redis is back", async () => {
    const { user, agent, runs, connected } = await countingAgent("lost-handoff-user");
    const first = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "first", async: true });
    await waitFor(
      async () => (await user.api.get(`/v1/tasks/${first.body.task_id}`)).body.status === "completed",
    );
    // What a node leaves behind when Redis goes away between saving a task (202) and telling the agent's node:
    // the task queued in the store and in the agent's backlog, and nobody told.
    const firstUlid = String(first.body.task_id).split(".")[1]!;
    const stored = JSON.parse((await c.redis.get(`${c.prefix}task:${agent.id}:${firstUlid}`))!);
    const ulid = `${firstUlid.slice(0, 22)}zzzz`;
    const now = new Date().toISOString();
    const { result: _result, attachments: _attachments, ...rest } = stored;
    const lost = { ...rest, id: `${agent.id}.${ulid}`, message: "lost", status: "submitted", attempts: 0 };
    await c.redis.set(
      `${c.prefix}task:${agent.id}:${ulid}`,
      JSON.stringify({ ...lost, created_at: now, updated_at: now }),
    );
    await c.redis.set(`${c.prefix}task-owner:${stored.owner}:${ulid}:${agent.id}`, "1");
    await c.redis.zadd(`${c.prefix}task-backlog:${agent.id}`, Date.now(), ulid);
    await sleep(1000);
    expect((await user.api.get(`/v1/tasks/${lost.id}`)).body.status, "nothing delivers it before").toBe(
      "submitted",
    );
    const connections = connected.statuses.filter((status) => status.type === "connected").length;
    await c.server.halt();
    await sleep(200);
    await c.server.start();
    await c.storeBack();
    const task = await waitFor(
      async () => {
        const res = await user.api.get(`/v1/tasks/${lost.id}`).catch(() => null);
        return res?.body?.status === "completed" ? res.body : null;
      },
      { timeoutMs: 10_000, what: "the lost task delivered after the outage" },
    );
    expect(task.result).toBe("ok:lost");
    expect(runs.get(lost.id)).toBe(1);
    // Delivered by the node that holds the agent, not because the agent reconnected somewhere.
    expect(connected.statuses.filter((status) => status.type === "connected").length).toBe(connections);
    connected.stop();
  });

  it("Redis stops and comes back under load: refusals are 503 store_unavailable (agent_offline once a node failed closed) within 2 s, nothing acknowledged is lost", async () => {
    const { user, agent, runs, connected } = await countingAgent("redis-restart-user");
    const outcomes: Array<{ status: number; code?: string; started: number; ended: number }> = [];
    const accepted: string[] = [];
    let running = true;
    const load = (async () => {
      for (let i = 0; running; i++) {
        const node = c.nodes[i % 3]!;
        const started = Date.now();
        const res = await apiClient(node.url, user.token).post(`/v1/agents/${agent.name}/messages`, {
          message: `m${i}`,
          async: i % 2 === 0,
        });
        outcomes.push({ status: res.status, code: res.body?.error?.code, started, ended: Date.now() });
        if (res.status === 202) accepted.push(res.body.task_id);
        await sleep(20);
      }
    })();
    await sleep(300);
    const halted = Date.now();
    await c.server.halt();
    await sleep(100);
    // Requests that arrive during the outage are refused fast with the store's code, on every node.
    for (const node of c.nodes) {
      const started = Date.now();
      const res = await apiClient(node.url, user.token).post(`/v1/agents/${agent.name}/messages`, {
        message: "x",
      });
      outcomes.push({ status: res.status, code: res.body?.error?.code, started, ended: Date.now() });
    }
    await sleep(500);
    await c.server.start();
    const redisBack = Date.now();
    // A node that could not beat for the presence TTL (3 s; beats every second) fails closed: it drops its agents,
    // which reconnect once Redis is back, and calls meanwhile are refused `agent_offline`. The harness's own stop and
    // start of redis-server make the outage that long on a loaded machine; then the agent must come back.
    const cutOff = redisBack - halted >= 2_000;
    if (cutOff) await waitFor(async () => (await c.homeOf(agent.id)) >= 0, { what: "the agent back online" });
    await sleep(2000);
    running = false;
    await load;
    const refused = outcomes.filter((outcome) => outcome.status === 503);
    expect(refused.length, "some requests must have met the outage").toBeGreaterThan(0);
    const codes = new Set(refused.map((outcome) => outcome.code));
    expect(codes.has("store_unavailable"), [...codes].join()).toBe(true);
    expect(
      [...codes].filter((code) => code !== "store_unavailable" && !(cutOff && code === "agent_offline")),
    ).toEqual([]);
    expect(
      outcomes.every((outcome) => [200, 202, 503].includes(outcome.status)),
      JSON.stringify(outcomes),
    ).toBe(true);
    // A refusal comes within 2 s. A call already running when Redis stopped waits for it by design (its output is
    // appended once Redis is back, docs/cluster.md): it must answer within 2 s of Redis's return, however long the
    // outage took (the harness's own stop and start of redis-server set that, slower on a loaded machine).
    const late = outcomes.filter(
      (outcome) =>
        outcome.ended - outcome.started >= 2000 &&
        (outcome.status === 503 || outcome.ended - Math.max(outcome.started, redisBack) >= 2000),
    );
    expect(late, "answers later than 2 s").toEqual([]);
    expect(outcomes.slice(-5).every((outcome) => outcome.status !== 503)).toBe(true); // recovered
    const viaAny = apiClient(c.nodes[0]!.url, user.token);
    await waitFor(
      async () => {
        for (const id of accepted)
          if ((await viaAny.get(`/v1/tasks/${id}`)).body.status !== "completed") return false;
        return true;
      },
      { timeoutMs: 10_000, what: "every acknowledged task completed" },
    );
    for (const id of accepted) expect(runs.get(id), id).toBe(1);
    connected.stop();
  });
});
