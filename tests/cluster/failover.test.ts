/**
 * Three nodes (Bun, Deno, Bun) on one redis-server behind a TCP load balancer: calls work whichever node takes
 * them; a SIGKILL'd node's agent comes back on another node within the grace window with its task; a frozen node
 * (SIGSTOP) that wakes does not serve the agent that moved on.
 */
import { afterAll, describe, expect, it } from "vitest";
import { apiClient, eventData, readTaskEvents } from "../helpers/api.ts";
import { startCluster } from "../helpers/cluster.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const cluster = await startCluster(["bun", "deno", "bun"]);

describe.skipIf(!cluster)("cluster failover (3 nodes behind a load balancer)", () => {
  afterAll(async () => cluster?.stop());
  const c = cluster!;

  async function setup(name: string) {
    const user = await createUser(c.url, c.adminToken, name);
    const agent = await createAgent(user.api);
    return { user, agent };
  }

  it("answers every call through the load balancer, whichever node takes the caller and the agent", async () => {
    const { user, agent } = await setup("lb-user");
    const connected = await connectAgent(c.url, user.token, agent.name);
    await waitFor(async () => (await c.homeOf(agent.id)) >= 0, { what: "presence" });
    for (let i = 0; i < 9; i++) {
      const res = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: `m${i}` });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.result).toBe(`m${i}`);
    }
    const stream = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "streamed" });
    expect(eventData(stream.events, "done")[0].result).toBe("streamed");
    expect(connected.requests).toHaveLength(10);
    connected.stop();
  });

  it("SIGKILL of the agent's node: the agent is back on another node within the grace window, its task completes once, a live call resumes there by seq", async () => {
    const { user, agent } = await setup("kill-user");
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const connected = await connectAgent(c.url, user.token, agent.name, async (request, reply) => {
      reply.chunk(`working:${request.message}`);
      await released;
      reply.done(`done:${request.message}`);
    });
    const home = await waitFor(async () => {
      const index = await c.homeOf(agent.id);
      return index >= 0 ? index + 1 : 0;
    }).then((n) => n - 1);
    const callerNode = c.nodes[(home + 1) % c.nodes.length]!;
    const caller = apiClient(callerNode.url, user.token);
    const accepted = await caller.post(`/v1/agents/${agent.name}/messages`, { message: "task", async: true });
    expect(accepted.status).toBe(202);
    // The task followed from the caller's node: it sees the task through, across the move (it hung before 4bef663).
    const followed: string[] = [];
    const following = readTaskEvents(callerNode.url, user.token, accepted.body.task_id, (event, data) => {
      followed.push(event === "chunk" ? data.delta : `${event}:${data.status}`);
    });
    let sawChunk = false;
    const live = caller.stream(
      `/v1/agents/${agent.name}/messages`,
      { message: "live" },
      { onEvent: (event) => (sawChunk ||= event.event === "chunk") },
    );
    await waitFor(() => connected.requests.length === 2 && sawChunk, { what: "both requests running" });

    const killedAt = Date.now();
    c.nodes[home]!.signal("SIGKILL");
    const moved = await waitFor(
      async () => {
        const index = await c.homeOf(agent.id);
        return index >= 0 && index !== home ? index + 1 : 0;
      },
      { timeoutMs: 5000, what: "the agent on another node" },
    );
    expect(Date.now() - killedAt).toBeLessThan(1500 + 2000); // grace window + reconnect backoff
    expect(moved - 1).not.toBe(home);
    release();

    const task = await waitFor(
      async () => {
        const res = await caller.get(`/v1/tasks/${accepted.body.task_id}`);
        return res.body.status === "completed" ? res.body : null;
      },
      { timeoutMs: 10_000, what: "the task after failover" },
    );
    expect(task.result).toBe("done:task");
    expect(connected.requests.filter((request) => request.id === accepted.body.task_id)).toHaveLength(1);
    await following;
    expect(followed).toEqual(["status:working", "working:task", "done:completed"]);

    const stream = await live;
    const chunks = eventData(stream.events, "chunk");
    expect(chunks).toHaveLength(1);
    // The live call was taken over by the agent's new node and finished there: each chunk once, then done.
    expect(eventData(stream.events, "done")[0]?.result).toBe("done:live");
    connected.stop();
  });

  it("SIGSTOP/SIGCONT: the frozen node loses the agent to another node and does not serve it after waking", async () => {
    const { user, agent } = await setup("freeze-user");
    const connected = await connectAgent(c.url, user.token, agent.name);
    const home = (await waitFor(async () => (await c.homeOf(agent.id)) + 1)) - 1;
    c.nodes[home]!.signal("SIGSTOP");
    let moved = -1;
    try {
      moved =
        (await waitFor(
          async () => {
            const index = await c.homeOf(agent.id);
            return index >= 0 && index !== home ? index + 1 : 0;
          },
          { timeoutMs: 15_000, what: "the agent on another node" },
        )) - 1;
    } finally {
      c.nodes[home]!.signal("SIGCONT");
    }
    await sleep(1500); // the woken node's heartbeats run and find their claim fenced off
    expect(await c.homeOf(agent.id)).toBe(moved);
    const before = connected.requests.length;
    const viaWoken = apiClient(c.nodes[home]!.url, user.token);
    const res = await viaWoken.post(`/v1/agents/${agent.name}/messages`, { message: "after waking" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.result).toBe("after waking");
    expect(connected.requests.length).toBe(before + 1);
    connected.stop();
  });
});
