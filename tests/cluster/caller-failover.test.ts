/**
 * SIGKILL of the caller's node mid-stream, three nodes (Bun, Deno, Node) behind the load balancer: the caller's
 * connection ends (no hang), it re-attaches through the balancer with Last-Event-ID and gets the rest from the
 * request's Redis log, every chunk once; a call whose caller never comes back is canceled after the resume window
 * (once its node counts as dead), not run to its end. Each test starts the node it killed again.
 */
import type { EventSourceMessage } from "eventsource-parser";
import { createParser } from "eventsource-parser";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { eventData, startStreamCall } from "../helpers/api.ts";
import { startCluster } from "../helpers/cluster.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const cluster = await startCluster(["bun", "deno", "node"]);

/** Reads SSE events from `res` into `events` until the body ends or breaks; resolves with how it ended. */
async function readInto(res: Response, events: EventSourceMessage[]): Promise<"ended" | "broken"> {
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  try {
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(part, { stream: true }));
    return "ended";
  } catch {
    return "broken";
  }
}

describe.skipIf(!cluster)("cluster: the caller's node dies (3 nodes behind a load balancer)", () => {
  afterAll(async () => cluster?.stop());
  const c = cluster!;
  let killed: number | null = null;
  afterEach(async () => {
    // The node a test killed comes back (same port, same settings) for the next test.
    if (killed !== null) await c.nodes[killed]!.restart();
    killed = null;
  });

  async function setup(name: string, handler: Parameters<typeof connectAgent>[3]) {
    const user = await createUser(c.url, c.adminToken, name);
    const agent = await createAgent(user.api);
    const connected = await connectAgent(c.url, user.token, agent.name, handler);
    const home = (await waitFor(async () => (await c.homeOf(agent.id)) + 1, { what: "presence" })) - 1;
    return { user, agent, connected, home, callerNode: (home + 1) % c.nodes.length };
  }

  it("the caller sees its stream end, re-attaches through another node by Last-Event-ID and gets every chunk once", async () => {
    const { user, agent, connected, callerNode } = await setup(
      "caller-kill-user",
      async (_request, reply) => {
        for (let i = 1; i <= 40; i++) {
          reply.chunk(`${i};`);
          await sleep(40);
        }
        reply.done("all");
      },
    );
    const res = await startStreamCall(c.nodes[callerNode]!.url, user.token, agent.name);
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-agent-mesh-request-id")!;
    const sessionId = res.headers.get("x-agent-mesh-session-id")!;
    const before: EventSourceMessage[] = [];
    const reading = readInto(res, before);
    await waitFor(() => before.filter((event) => event.event === "chunk").length >= 5, { what: "5 chunks" });
    c.nodes[callerNode]!.signal("SIGKILL");
    killed = callerNode;
    // A clean end: the body breaks or ends, it does not hang, and it never claims the call finished.
    expect(await reading).toMatch(/ended|broken/);
    expect(eventData(before, "done")).toEqual([]);
    const seen = before.filter((event) => event.event === "chunk").map((event) => Number(event.id));
    const last = seen[seen.length - 1]!;

    // Through the balancer, which skips the dead node. Kept-alive connections the balancer had opened to the dead
    // node break on first use (the client may hold more than one); a client retries, as this does, until a
    // connection reaches a live node.
    const reattach = () =>
      fetch(`${c.url}/v1/agents/${agent.name}/messages/${requestId}?session_id=${sessionId}`, {
        headers: {
          authorization: `Bearer ${user.token}`,
          accept: "text/event-stream",
          "last-event-id": String(last),
          connection: "close",
        },
      });
    let again: Response | undefined;
    for (let attempt = 1; !again; attempt++) {
      again = await reattach().catch((error) => {
        if (attempt === 5) throw error;
        return undefined;
      });
    }
    expect(again.status).toBe(200);
    const after: EventSourceMessage[] = [];
    expect(await readInto(again, after)).toBe("ended");
    const resumed = after.filter((event) => event.event === "chunk").map((event) => Number(event.id));
    expect([...seen, ...resumed]).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(eventData(after, "done")[0]).toMatchObject({ result: "all" });
    expect(connected.requests).toHaveLength(1);
    connected.stop();
  });

  it("a call whose caller's node died and who never re-attaches is canceled after the resume window", async () => {
    let canceled = false;
    let chunks = 0;
    const { user, agent, connected, callerNode } = await setup(
      "caller-gone-user",
      async (_request, reply) => {
        // Streams until told to stop (an endless answer, e.g. a log tail).
        while (!reply.signal.aborted) {
          reply.chunk(`${++chunks};`);
          await sleep(50);
        }
        canceled = true;
      },
    );
    const res = await startStreamCall(c.nodes[callerNode]!.url, user.token, agent.name);
    expect(res.status).toBe(200);
    const events: EventSourceMessage[] = [];
    const reading = readInto(res, events);
    await waitFor(() => events.length >= 3, { what: "the stream under way" });
    c.nodes[callerNode]!.signal("SIGKILL");
    killed = callerNode;
    await reading;
    // The node counts as dead after three presence TTLs (9 s) without a heartbeat; then the resume window (1 s).
    await waitFor(() => canceled, { timeoutMs: 20_000, what: "the agent told to cancel" });
    expect(connected.requests).toHaveLength(1);
    connected.stop();
  });
});
