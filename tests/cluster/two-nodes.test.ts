/**
 * Two gateway nodes (Bun and Deno) on one redis-server with AGENT_MESH_CLUSTER=redis: the agent's socket is on node
 * A, every call comes in through node B. Stream, sync, async, busy, offline and revocation behave as on one node.
 */
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  apiClient,
  eventData,
  readEvents,
  readTaskEvents,
  startStreamCall,
  told,
} from "../helpers/api.ts";
import { startNodes } from "../helpers/cluster.ts";
import { connectAgent, createAgent, createUser, type Handler } from "../helpers/fixtures.ts";
import type { GatewayProcess } from "../helpers/gateway-process.ts";
import { connectRawAgent, sendWithGaps } from "../helpers/raw-agent.ts";
import { type RedisServer, startRedis } from "../helpers/redis-server.ts";
import { startBalancer } from "../helpers/tcp-balancer.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const redis = await startRedis();
const MiB = 1024 * 1024;
const NODE_LOGS_MAX = 24 * MiB;

describe.skipIf(!redis)("two cluster nodes (bun + deno) on one redis", () => {
  let nodeA: GatewayProcess;
  let nodeB: GatewayProcess;
  let adminToken: string;
  let prefix: string;
  beforeAll(async () => {
    // What a node's calls keep for re-attaching callers, and its calls' logs in Redis together: 24 MiB, not 256.
    const started = await startNodes((redis as RedisServer).url, ["bun", "deno"], {
      AGENT_MESH_MAX_RESUME_BYTES: String(NODE_LOGS_MAX),
    });
    [nodeA, nodeB] = started.nodes as [GatewayProcess, GatewayProcess];
    adminToken = started.adminToken;
    prefix = started.prefix;
  });
  afterAll(async () => {
    if (process.env.DEBUG_CLUSTER) console.log(nodeA?.output(), "\n-----\n", nodeB?.output());
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis?.stop();
  });

  it("says at start that each is a node of a cluster, and which", () => {
    expect(nodeA.output()).toContain(
      "Cluster node node-0: one gateway with every node on the cluster's redis at",
    );
    expect(nodeB.output()).toContain("Cluster node node-1:");
  });

  async function setup(name: string) {
    const user = await createUser(nodeA.url, adminToken, name);
    const agent = await createAgent(user.api);
    return { user, agent, viaB: apiClient(nodeB.url, user.token) };
  }

  it("reaches an agent on node A from node B: online, sync, stream in order, async task", async () => {
    const { user, agent, viaB } = await setup("cross-user");
    const connected = await connectAgent(nodeA.url, user.token, agent.name, (request, reply) => {
      for (let i = 1; i <= 50; i++) reply.chunk(`${i},`);
      reply.done(`done:${request.message}`);
    });
    const shown = await waitFor(async () => {
      const res = await viaB.get(`/v1/agents/${agent.name}`);
      return res.body.online ? res.body : null;
    });
    expect(shown.online).toBe(true);
    const sync = await viaB.post(`/v1/agents/${agent.name}/messages`, { message: "hi" });
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
    expect(sync.body.result).toBe("done:hi");
    const stream = await viaB.stream(`/v1/agents/${agent.name}/messages`, { message: "s" });
    const chunks = eventData(stream.events, "chunk").map((c) => c.delta ?? c.text ?? c);
    expect(chunks.join("")).toBe(Array.from({ length: 50 }, (_, i) => `${i + 1},`).join(""));
    expect(stream.events.filter((e) => e.event === "chunk").map((e) => Number(e.id))).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(eventData(stream.events, "done")[0].result).toBe("done:s");
    const accepted = await viaB.post(`/v1/agents/${agent.name}/messages`, { message: "later", async: true });
    expect(accepted.status).toBe(202);
    const task = await waitFor(async () => {
      const res = await viaB.get(`/v1/tasks/${accepted.body.task_id}`);
      return res.body.status === "completed" ? res.body : null;
    });
    expect(task.result).toBe("done:later");
    connected.stop();
  });

  it("tells a caller on node B which chunks never reached node A, live and from the log when it re-attaches", async () => {
    const { user, agent, viaB } = await setup("gap-across");
    const raw = await connectRawAgent(nodeA.url, user.token, agent.name);
    try {
      await waitFor(async () => (await viaB.get(`/v1/agents/${agent.name}`)).body.online);
      let requestId = "";
      const live = viaB.stream(
        `/v1/agents/${agent.name}/messages`,
        { message: "go" },
        { onResponse: (res) => (requestId = res.headers.get("x-agent-mesh-request-id") ?? "") },
      );
      sendWithGaps(raw, (await raw.nextRequest()).id);
      const { events } = await live;
      expect(told(events)).toEqual(["chunk 1", "gap 3", "chunk 4", "gap 5", "done 6"]);
      expect(eventData(events, "gap")).toMatchObject([
        { code: "output_lost", after: 1, next: 4 },
        { code: "output_lost", after: 4, next: 6 },
      ]);
      // Ended: node B hands a re-attaching caller the rest from the call's log, gaps included.
      const again = await fetch(`${nodeB.url}/v1/agents/${agent.name}/messages/${requestId}`, {
        headers: { authorization: `Bearer ${user.token}`, accept: "text/event-stream", "last-event-id": "2" },
      });
      expect(again.status).toBe(200);
      expect(told(await readEvents(again))).toEqual(["gap 3", "chunk 4", "gap 5", "done 6"]);
    } finally {
      raw.close();
    }
  });

  it("relays an answer longer than a call's log keeps in Redis (AGENT_MESH_MAX_UNREAD_BYTES) whole, in order", async () => {
    const { user, agent, viaB } = await setup("long-answer");
    const pieces = 40;
    const connected = await connectAgent(nodeA.url, user.token, agent.name, async (_request, reply) => {
      for (let i = 0; i < pieces; i++) {
        reply.chunk(String(i % 10).repeat(1024 * 1024));
        await sleep(5);
      }
      reply.done("end");
    });
    const client = new Redis((redis as RedisServer).url);
    try {
      let requestId = "";
      const stream = await viaB.stream(
        `/v1/agents/${agent.name}/messages`,
        { message: "all of it" },
        { onResponse: (res) => (requestId = res.headers.get("x-agent-mesh-request-id") ?? "") },
      );
      const chunks = eventData(stream.events, "chunk");
      expect(chunks.map((chunk) => chunk.seq)).toEqual(Array.from({ length: pieces }, (_, i) => i + 1));
      expect(chunks.every((chunk, i) => chunk.delta === String(i % 10).repeat(1024 * 1024))).toBe(true);
      expect(eventData(stream.events, "done")[0].result).toBe("end");
      // What the call's log keeps: its last 16 MiB (and the ending), not the 40 MiB it relayed.
      const log = (await client.xrange(`${prefix}cluster:log:${requestId}`, "-", "+")) as Array<
        [string, string[]]
      >;
      const kept = log.reduce((sum, [, fields]) => sum + fields[1]!.length, 0);
      expect(kept).toBeGreaterThan(8 * 1024 * 1024);
      expect(kept).toBeLessThanOrEqual(16 * 1024 * 1024);
      expect(log.at(-1)![0]).toBe(`${pieces + 1}-0`);
    } finally {
      client.disconnect();
      connected.stop();
    }
  });

  it("keeps the logs a node's calls write in Redis within AGENT_MESH_MAX_RESUME_BYTES together", async () => {
    const { user, agent } = await setup("many-logs");
    const calls = 4;
    const pieces = 8;
    const connected = await connectAgent(
      nodeA.url,
      user.token,
      agent.name,
      async (_request, reply) => {
        for (let i = 0; i < pieces; i++) {
          reply.chunk("x".repeat(MiB));
          await sleep(5);
        }
        reply.done("end");
      },
      { maxInflight: calls },
    );
    const client = new Redis((redis as RedisServer).url);
    const leave = new AbortController();
    try {
      // Four callers on node B that stay connected without reading: their calls run to the end, 32 MiB of logs.
      const requestIds = await Promise.all(
        Array.from({ length: calls }, async () => {
          const res = await startStreamCall(nodeB.url, user.token, agent.name, leave.signal, "a lot");
          expect(res.status).toBe(200);
          return res.headers.get("x-agent-mesh-request-id")!;
        }),
      );
      const logOf = async (requestId: string) =>
        (await client.xrange(`${prefix}cluster:log:${requestId}`, "-", "+")) as Array<[string, string[]]>;
      // Every log has its ending (seq 9): the agent wrote all of it.
      await waitFor(
        async () => {
          for (const id of requestIds) if ((await logOf(id)).at(-1)?.[0] !== `${pieces + 1}-0`) return false;
          return true;
        },
        { timeoutMs: 20_000, what: "every call's ending in its log" },
      );
      let kept = 0;
      for (const id of requestIds) for (const [, fields] of await logOf(id)) kept += fields[1]!.length;
      expect(kept).toBeLessThanOrEqual(NODE_LOGS_MAX);
      // Cut by shares (with the last test's log, while Redis keeps it), each kept at least its last chunk.
      for (const id of requestIds) expect((await logOf(id)).at(-2)?.[0]).toBe(`${pieces}-0`);
      // Node A wrote them, and says what its calls' logs keep (also the last test's, if Redis still holds it).
      const node = await apiClient(nodeA.url, adminToken).get("/v1/node");
      expect(node.body.cluster_log_bytes).toBeGreaterThanOrEqual(kept);
      expect(node.body.cluster_log_bytes).toBeLessThanOrEqual(NODE_LOGS_MAX);
    } finally {
      leave.abort();
      client.disconnect();
      connected.stop();
    }
  });

  it("says agent_busy across nodes at the agent's limit and agent_offline once it left", async () => {
    const { user, agent, viaB } = await setup("busy-user");
    const connected = await connectAgent(nodeA.url, user.token, agent.name, () => {}, { maxInflight: 1 });
    await waitFor(async () => (await viaB.get(`/v1/agents/${agent.name}`)).body.online);
    const controller = new AbortController();
    const first = viaB.stream(
      `/v1/agents/${agent.name}/messages`,
      { message: "hold" },
      { signal: controller.signal },
    );
    await waitFor(() => connected.requests.length === 1, { what: "first request on node A" });
    const second = await viaB.post(`/v1/agents/${agent.name}/messages`, { message: "more" });
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe("agent_busy");
    controller.abort();
    await first.catch(() => {});
    connected.stop();
    const offline = await waitFor(async () => {
      const res = await viaB.post(`/v1/agents/${agent.name}/messages`, { message: "anyone?" });
      return res.status === 503 ? res : null;
    });
    expect(offline.body.error.code).toBe("agent_offline");
  });

  /**
   * Runs `use` with a link for an agent that reaches node A until `moveToB()` cuts it (the agent reconnects, to node
   * B through it); the link's balancer is stopped afterwards, also when `use` fails.
   */
  async function withMovingLink(use: (link: { url: string; moveToB(): void }) => Promise<void>) {
    let target = nodeA.url;
    const balancer = await startBalancer(() => [target]);
    const moveToB = () => {
      target = nodeB.url;
      balancer.dropAll();
    };
    try {
      await use({ url: balancer.url, moveToB });
    } finally {
      await balancer.stop();
    }
  }

  /**
   * A live call from node B to the agent on node A asks a prompt; the agent moves to node B before the caller answers
   * through `answerVia` (its new node, or the one it left). Node B took the call up from the log's last seq, after
   * the prompt: it must still know the prompt is open.
   */
  /** An agent that asks for permission to write (prompt `p1`) and answers with the decision it gets. */
  const asksThenAnswers: Handler = async (_request, reply) => {
    const answer = await reply.ask({ prompt_id: "p1", tool: "Write", input: {}, summary: "Write notes.md" });
    reply.done(answer.decision);
  };

  /** Streams a call to `agentName` through `via`; when the agent asks, `onAsked` gets the path to answer it on. */
  function streamUntilAsked(via: ApiClient, agentName: string, onAsked: (inputPath: string) => void) {
    let requestId = "";
    return via.stream(
      `/v1/agents/${agentName}/messages`,
      { message: "write it" },
      {
        onResponse: (response) => {
          requestId = response.headers.get("x-agent-mesh-request-id") ?? "";
        },
        onEvent: (event) => {
          if (event.event === "permission") onAsked(`/v1/agents/${agentName}/messages/${requestId}/input`);
        },
      },
    );
  }

  async function promptAcrossMove(name: string, answerVia: () => GatewayProcess) {
    const { user, agent, viaB } = await setup(name);
    await withMovingLink(async (link) => {
      const connected = await connectAgent(link.url, user.token, agent.name, asksThenAnswers);
      let answered: Promise<{ status: number; body: unknown }> | undefined;
      const res = await streamUntilAsked(viaB, agent.name, (input) => {
        link.moveToB();
        answered = (async () => {
          await waitFor(() => connected.statuses.filter((s) => s.type === "connected").length === 2, {
            what: "the agent back, on node B",
          });
          return apiClient(answerVia().url, user.token).post(input, { prompt_id: "p1", decision: "allow" });
        })();
      });
      const answer = await answered;
      expect(answer?.status, JSON.stringify(answer?.body)).toBe(200);
      expect(eventData(res.events, "permission")).toHaveLength(1);
      expect(eventData(res.events, "done")[0]?.result, JSON.stringify(res.events)).toBe("allow");
      connected.stop();
    });
  }

  it("takes the answer to a live call's prompt asked before the agent moved to another node, on that node", () =>
    promptAcrossMove("prompt-move-new", () => nodeB));

  it("takes the answer to a live call's prompt asked before the agent moved, on the node it left", () =>
    promptAcrossMove("prompt-move-old", () => nodeA));

  it("refuses on node B, as node A would, an answer to a live call's prompt on A that was never asked or is answered already", async () => {
    const { user, agent, viaB } = await setup("prompt-cross-refusals");
    const connected = await connectAgent(nodeA.url, user.token, agent.name, asksThenAnswers);
    await waitFor(async () => (await viaB.get(`/v1/agents/${agent.name}`)).body.online);
    type Answered = { status: number; body: { error?: { code: string } } };
    let answers: Promise<Answered[]> | undefined;
    const res = await streamUntilAsked(viaB, agent.name, (input) => {
      answers = (async () => [
        await viaB.post(input, { prompt_id: "p-never-asked", decision: "allow" }),
        await viaB.post(input, { prompt_id: "p1", decision: "allow" }),
        await viaB.post(input, { prompt_id: "p1", decision: "deny" }),
      ])();
    });
    const [unknown, taken, again] = (await answers)! as [Answered, Answered, Answered];
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, "prompt_not_found"]);
    expect(taken.status).toBe(200);
    expect([again.status, again.body.error?.code]).toEqual([404, "prompt_not_found"]);
    expect(eventData(res.events, "done")[0]?.result).toBe("allow");
    connected.stop();
  });

  /**
   * A task on node A is followed through `via` (the agent's node, or the other one); its connector restarts having lost
   * the turn, so the task goes back to the queue and its next delivery starts again from seq 1. The follower sees the
   * first delivery, then the second: each chunk once, none of the first one's again.
   */
  async function followRequeued(name: string, via: () => GatewayProcess) {
    const { user, agent, viaB } = await setup(name);
    const first = await connectAgent(nodeA.url, user.token, agent.name, (_request, reply) => {
      for (let i = 1; i <= 3; i++) reply.chunk(`a${i},`);
    });
    await waitFor(async () => (await viaB.get(`/v1/agents/${agent.name}`)).body.online);
    const accepted = await viaB.post(`/v1/agents/${agent.name}/messages`, { message: "go", async: true });
    let second: Promise<{ stop(): void }> | undefined;
    const seen: string[] = [];
    await readTaskEvents(via().url, user.token, accepted.body.task_id, (event, data) => {
      seen.push(event === "chunk" ? data.delta : `${event}:${data.status}`);
      if (data.delta !== "a3," || second) return;
      first.stop();
      second = connectAgent(nodeA.url, user.token, agent.name, async (_request, reply) => {
        await sleep(200);
        reply.chunk("b1,");
        await sleep(200);
        reply.chunk("b2,");
        reply.done("B");
      });
    });
    expect(seen).toEqual([
      "status:working",
      "a1,",
      "a2,",
      "a3,",
      "status:working",
      "b1,",
      "b2,",
      "done:completed",
    ]);
    (await second)?.stop();
  }

  it("a task followed on its agent's node shows its next delivery once it went back to the queue", () =>
    followRequeued("requeue-followed-a", () => nodeA));

  it("a task followed on another node shows its next delivery once it went back to the queue", () =>
    followRequeued("requeue-followed-b", () => nodeB));

  /**
   * A task runs on node A, followed through `via`; its agent moves to node B while its connector holds the turn, and
   * finishes it there. The follower gets each chunk once, the part from node B too, and the ending (it hung before),
   * and hears once that the task is working (it goes on, it did not start again).
   */
  async function followMoved(name: string, via: () => GatewayProcess) {
    const { user, agent, viaB } = await setup(name);
    await withMovingLink(async (link) => {
      let moved!: () => void;
      const movedNow = new Promise<void>((resolve) => {
        moved = resolve;
      });
      const connected = await connectAgent(link.url, user.token, agent.name, async (_request, reply) => {
        for (let i = 1; i <= 3; i++) reply.chunk(`a${i},`);
        await movedNow;
        await waitFor(() => connected.statuses.filter((s) => s.type === "connected").length === 2);
        reply.chunk("b1,");
        reply.done("B");
      });
      await waitFor(async () => (await viaB.get(`/v1/agents/${agent.name}`)).body.online);
      const accepted = await viaB.post(`/v1/agents/${agent.name}/messages`, { message: "go", async: true });
      const seen: string[] = [];
      await readTaskEvents(via().url, user.token, accepted.body.task_id, (event, data) => {
        seen.push(event === "chunk" ? data.delta : `${event}:${data.status}`);
        if (data.delta !== "a3,") return;
        link.moveToB();
        moved();
      });
      expect(seen).toEqual(["status:working", "a1,", "a2,", "a3,", "b1,", "done:completed"]);
      connected.stop();
    });
  }

  it("a task followed on the node its agent left shows what the agent sends from its new node", () =>
    followMoved("move-followed-a", () => nodeA));

  it("a task followed on the node its agent moves to shows what the agent sends there", () =>
    followMoved("move-followed-b", () => nodeB));

  it("revoking a token on node B closes the agent's socket on node A within 1 s", async () => {
    const { user, agent } = await setup("revoke-user");
    const connected = await connectAgent(nodeA.url, user.token, agent.name);
    const started = Date.now();
    await apiClient(nodeB.url, adminToken).call("DELETE", `/v1/tokens/${user.id}`);
    const stopped = await waitFor(() => connected.statuses.find((s) => s.type === "stopped"), {
      timeoutMs: 1000,
      what: "revocation close",
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stopped).toMatchObject({ code: 4101 });
  });
});
