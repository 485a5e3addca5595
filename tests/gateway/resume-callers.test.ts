/**
 * What a node keeps of its calls' output for callers that re-attach (`Last-Event-ID`), held to
 * `AGENT_MESH_MAX_RESUME_BYTES` together (relay/resume-budget.ts), on each runtime's real server: past it, the calls
 * keeping the most forget theirs, and a caller that re-attaches to one from before gets `resume_gap`, while the
 * calls run on, their callers get every chunk, and a caller that re-attaches from where it was gets the ending.
 * On workerd each agent's Durable Object keeps its own, 32 MiB unless the setting says otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keptBytesOf } from "../../gateway/src/relay/pending.ts";
import { startStreamCall } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";

const PIECE = "x".repeat(64 * 1024);

/** Reads an SSE response as it comes: how many chunks it has had, and all of it once it ends. */
function following(res: Response) {
  let text = "";
  const decoder = new TextDecoder();
  const ended = (async () => {
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>)
      text += decoder.decode(part, { stream: true });
    return text;
  })();
  return { chunks: () => text.split("event: chunk\n").length - 1, ended };
}

const chunksIn = (text: string) => text.split("event: chunk\n").length - 1;

/**
 * `calls` stream calls of `pieces` pieces each, more than `maxBytes` in all, their callers reading; once every
 * caller has every piece, each call is re-attached from the start and from its last piece, then the calls end.
 */
async function pastTheLimit(
  gateway: GatewayProcess,
  user: Awaited<ReturnType<typeof createUser>>,
  shape: { calls: number; pieces: number; maxBytes: number },
) {
  const agent = await createAgent(user.api);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const connected = await connectAgent(gateway.url, user.token, agent.name, async (_request, reply) => {
    for (let i = 0; i < shape.pieces; i++) reply.chunk(PIECE);
    await gate;
    reply.done("end");
  });
  try {
    const calls = await Promise.all(
      Array.from({ length: shape.calls }, async () => {
        const res = await startStreamCall(gateway.url, user.token, agent.name);
        const id = res.headers.get("x-agent-mesh-request-id")!;
        return { id, session: res.headers.get("x-agent-mesh-session-id")!, caller: following(res) };
      }),
    );
    await waitFor(() => calls.every((call) => call.caller.chunks() === shape.pieces), {
      what: "every caller has every piece",
      timeoutMs: 40_000,
    });
    const node = await fetch(`${gateway.url}/v1/node`, {
      headers: { authorization: `Bearer ${gateway.adminToken}` },
    }).then((res) => res.json());

    const reattach = (call: (typeof calls)[number], lastEventId: number) =>
      fetch(`${gateway.url}/v1/agents/${agent.name}/messages/${call.id}?session_id=${call.session}`, {
        headers: {
          authorization: `Bearer ${user.token}`,
          accept: "text/event-stream",
          "last-event-id": String(lastEventId),
        },
      });
    const fromStart = await Promise.all(calls.map((call) => reattach(call, 0)));
    const fromEnd = await Promise.all(calls.map((call) => reattach(call, shape.pieces)));
    release();

    const replayed = fromStart.filter((res) => res.status === 200);
    for (const res of fromStart.filter((res) => res.status !== 200)) {
      expect(res.status).toBe(410);
      expect((await res.json()).error.code).toBe("resume_gap");
    }
    // What fits under the limit is kept (three quarters of it after a walk), and never more.
    expect(replayed.length).toBeGreaterThanOrEqual(1);
    expect(replayed.length).toBeLessThanOrEqual(
      Math.floor(shape.maxBytes / (shape.pieces * keptBytesOf(PIECE))),
    );
    for (const res of replayed) {
      const text = await res.text();
      expect(chunksIn(text)).toBe(shape.pieces);
      expect(text).toContain("event: done");
    }
    for (const res of fromEnd) {
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(chunksIn(text)).toBe(0);
      expect(text).toContain("event: done");
    }
    for (const call of calls) {
      const text = await call.caller.ended;
      expect(chunksIn(text)).toBe(shape.pieces);
      expect(text).toContain("event: done");
    }
    return node;
  } finally {
    release();
    connected.stop();
  }
}

/** Room for a little less than four calls' pieces: six calls of four are well past it. */
const MAX_RESUME_BYTES = 16 * PIECE.length;

for (const runtime of ["node", "bun", "deno", "workerd"] as RuntimeName[]) {
  describe(`what a node keeps for callers that re-attach, on ${runtime}`, () => {
    let gateway: GatewayProcess;
    let user: Awaited<ReturnType<typeof createUser>>;
    beforeAll(async () => {
      gateway = await startGateway({
        runtime,
        env: { AGENT_MESH_MAX_RESUME_BYTES: String(MAX_RESUME_BYTES), AGENT_MESH_RESUME_MS: "30000" },
      });
      user = await createUser(gateway.url, gateway.adminToken, `resume-budget-${runtime}`);
    });
    afterAll(async () => gateway?.stop());

    it("past the limit, calls forget what they kept: re-attaching from the start gets resume_gap, from the end the ending", async () => {
      const shape = { calls: 6, pieces: 4, maxBytes: MAX_RESUME_BYTES };
      const node = await pastTheLimit(gateway, user, shape);
      if (runtime === "workerd") {
        expect(node.resume_bytes).toBeNull(); // each agent's Durable Object keeps its own
      } else {
        expect(node).toMatchObject({ resume_max_bytes: MAX_RESUME_BYTES });
        expect(node.resume_bytes).toBeLessThanOrEqual(MAX_RESUME_BYTES);
      }
    }, 30_000);
  });
}

describe("what an agent's Durable Object keeps for callers that re-attach, by default", () => {
  let gateway: GatewayProcess;
  let user: Awaited<ReturnType<typeof createUser>>;
  beforeAll(async () => {
    // The agent writes all 40 MiB at once. Through wrangler on a loaded machine (about 5 MiB/s with three busy
    // loops beside it) that took 13-22 s, and the tests' 5 s without a frame ended calls in agent_timeout.
    gateway = await startGateway({
      runtime: "workerd",
      env: { AGENT_MESH_RESUME_MS: "30000", AGENT_MESH_SYNC_TIMEOUT_MS: "60000" },
    });
    user = await createUser(gateway.url, gateway.adminToken, "resume-budget-object");
  });
  afterAll(async () => gateway?.stop());

  it("is 32 MiB: ten calls of 4 MiB are past it", async () => {
    await pastTheLimit(gateway, user, { calls: 10, pieces: 64, maxBytes: 32 * 1024 * 1024 });
  }, 90_000);
});
