/**
 * Cluster presence by node liveness, three nodes (Bun, Deno, Bun) on one redis-server, agents connected to chosen
 * nodes directly: a claim on another node closes the old socket at once (its notice); a node frozen past the
 * liveness bound whose notice was lost finds out on waking, before it serves a call it received while frozen; an
 * agent of a SIGKILL'd node is offline within the bound, its presence is reaped from the node's own set, and it is
 * reachable again once it connects to another node.
 *
 * The agents' heartbeat is long (30 s) so that neither side gives up on a socket during a freeze: only fencing may
 * close the frozen node's socket.
 */
import Redis from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { apiClient, type JsonResponse } from "../helpers/api.ts";
import { startNodes } from "../helpers/cluster.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { startRedis } from "../helpers/redis-server.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const server = await startRedis();
const started = server
  ? await startNodes(server.url, ["bun", "deno", "bun"], { AGENT_MESH_HEARTBEAT_MS: "30000" })
  : null;
/** The presence liveness bound of every node (the hub's default). */
const LIVE_MS = 3000;
/** More claims than the audit checks in the test's few seconds (a full pass takes 30 s). */
const IDLE_AGENTS = 90;

// Skipped only without redis-server: startRedis printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!started)("cluster presence by node liveness (3 nodes)", () => {
  const { nodes, prefix, adminToken } = started!;
  const redis = new Redis(server!.url);
  afterAll(async () => {
    for (const node of nodes) node.signal("SIGCONT"); // never leave a frozen process behind
    redis.disconnect();
    await Promise.all(nodes.map((node) => node.stop()));
    await server?.stop();
  });

  async function setup(name: string) {
    const user = await createUser(nodes[0]!.url, adminToken, name);
    const agent = await createAgent(user.api);
    return { user, agent };
  }
  /**
   * When the first question that was answered "offline" was asked: one question every 100 ms whether or not the
   * earlier ones were answered, so a slow answer on a loaded machine does not delay the next question.
   */
  async function firstAskedOffline(api: ReturnType<typeof apiClient>, name: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    let first = Number.POSITIVE_INFINITY;
    const asked: Promise<void>[] = [];
    while (first === Number.POSITIVE_INFINITY && Date.now() < deadline) {
      const askedAt = Date.now();
      asked.push(
        api.get(`/v1/agents/${name}`).then((res) => {
          if (res.body.online === false) first = Math.min(first, askedAt);
        }),
      );
      await sleep(100);
    }
    await Promise.all(asked);
    if (first === Number.POSITIVE_INFINITY) throw new Error("timed out waiting for the agent offline");
    return first;
  }
  const homeOf = (agentId: string) => redis.get(`${prefix}cluster:home:${agentId}`);
  const stoppedWith = (agent: Awaited<ReturnType<typeof connectAgent>>) =>
    agent.statuses.find((status) => status.type === "stopped")?.code;

  it("a claim on another node closes the old node's socket at once (4102 replaced): the claiming node told it", async () => {
    const { user, agent } = await setup("notice-user");
    const first = await connectAgent(nodes[0]!.url, user.token, agent.name);
    expect(await homeOf(agent.id)).toMatch(/^node-0\|/);
    const second = await connectAgent(nodes[1]!.url, user.token, agent.name);
    expect(await homeOf(agent.id)).toMatch(/^node-1\|/);
    // Far quicker than the audit's pass (30 s): the notice in node-0's inbox did it.
    await waitFor(() => stoppedWith(first) === 4102, {
      timeoutMs: 2000,
      what: "the old socket closed as replaced",
    });
    const res = await apiClient(nodes[0]!.url, user.token).post(`/v1/agents/${agent.name}/messages`, {
      message: "via node-0",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(first.requests).toHaveLength(0);
    expect(second.requests).toHaveLength(1);
    first.stop();
    second.stop();
  });

  it("a node frozen past the liveness bound, whose takeover notice was lost, checks its claims on waking before serving: 4102, and the call it got while frozen goes to the new owner", async () => {
    const { user, agent } = await setup("frozen-user");
    // Idle agents on node-0 claimed before this one, so that the slow audit (a few claims a beat, in claim order)
    // cannot reach this one during the test: only the check after the gap can find it lost.
    const idle: Array<Awaited<ReturnType<typeof connectAgent>>> = [];
    for (let i = 0; i < IDLE_AGENTS; i++) {
      idle.push(await connectAgent(nodes[0]!.url, user.token, (await createAgent(user.api)).name));
    }
    const first = await connectAgent(nodes[0]!.url, user.token, agent.name);
    const viaOther = apiClient(nodes[2]!.url, user.token);
    expect((await viaOther.get(`/v1/agents/${agent.name}`)).body.online).toBe(true);
    nodes[0]!.signal("SIGSTOP");
    let second: Awaited<ReturnType<typeof connectAgent>> | undefined;
    let whileFrozen: Promise<JsonResponse<{ result?: string }>> | undefined;
    try {
      const frozenAt = Date.now();
      await waitFor(async () => (await viaOther.get(`/v1/agents/${agent.name}`)).body.online === false, {
        timeoutMs: LIVE_MS + 3000,
        what: "the frozen node's agent offline",
      });
      expect(Date.now() - frozenAt).toBeGreaterThan(1000); // not at once: when its last beat aged out
      second = await connectAgent(nodes[1]!.url, user.token, agent.name);
      expect(await homeOf(agent.id)).toMatch(/^node-1\|/);
      // The notice node-1 sent is gone (as if the frozen node's inbox had been trimmed): only the check on waking
      // can tell node-0.
      await redis.del(`${prefix}cluster:inbox:node-0`);
      whileFrozen = apiClient(nodes[0]!.url, user.token).post<{ result?: string }>(
        `/v1/agents/${agent.name}/messages`,
        {
          message: "sent to the frozen node",
        },
      );
      await sleep(300); // the request waits in the frozen node's socket buffer
    } finally {
      nodes[0]!.signal("SIGCONT");
    }
    const res = await whileFrozen!;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.result).toBe("sent to the frozen node");
    expect(first.requests, "the stale socket was served").toHaveLength(0);
    expect(second!.requests).toHaveLength(1);
    await waitFor(() => stoppedWith(first) === 4102, {
      timeoutMs: 3000,
      what: "the stale socket closed as replaced",
    });
    expect(await homeOf(agent.id)).toMatch(/^node-1\|/);
    expect((await viaOther.get(`/v1/agents/${agent.name}`)).body.online).toBe(true);
    expect(idle.filter((connected) => stoppedWith(connected) !== undefined)).toEqual([]); // kept: nobody took them
    for (const connected of idle) connected.stop();
    first.stop();
    second!.stop();
  });

  it("an agent of a SIGKILL'd node is offline within the liveness bound, reaped from the node's own set, and reachable again once it connects elsewhere", async () => {
    const { user, agent } = await setup("killed-user");
    // Connected to node-2 only: after the kill it keeps retrying that dead address, so nothing claims it anew.
    const stranded = await connectAgent(nodes[2]!.url, user.token, agent.name);
    const viaOther = apiClient(nodes[1]!.url, user.token);
    expect((await viaOther.get(`/v1/agents/${agent.name}`)).body.online).toBe(true);
    const killedAt = Date.now();
    nodes[2]!.signal("SIGKILL");
    const offlineAt = await firstAskedOffline(viaOther, agent.name, LIVE_MS + 3000);
    // The bound: the node's last beat (at most a beat interval before the kill) ages out after LIVE_MS.
    expect(offlineAt - killedAt).toBeLessThan(LIVE_MS + 1000);
    const call = await viaOther.post(`/v1/agents/${agent.name}/messages`, { message: "nobody" });
    expect(call.status).toBe(503);
    expect(call.body.error.code).toBe("agent_offline");
    // Dead for three bounds: a live node removes its presence, read from the dead node's own set.
    await waitFor(async () => (await homeOf(agent.id)) === null, {
      timeoutMs: 3 * LIVE_MS + 4000,
      what: "reaping",
    });
    expect(await redis.exists(`${prefix}cluster:node-agents:node-2`)).toBe(0);
    expect(await redis.zscore(`${prefix}cluster:nodes`, "node-2")).toBeNull();
    stranded.stop();
    const back = await connectAgent(nodes[0]!.url, user.token, agent.name);
    expect((await viaOther.get(`/v1/agents/${agent.name}`)).body.online).toBe(true);
    const res = await viaOther.post(`/v1/agents/${agent.name}/messages`, { message: "back" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(back.requests).toHaveLength(1);
    back.stop();
  });
});
