/**
 * What a node keeps of its calls' output for callers that re-attach (`Last-Event-ID`), held to
 * `AGENT_MESH_MAX_RESUME_BYTES` together (relay/resume-budget.ts), on each runtime's real server: past it, the calls
 * keeping the most forget theirs, and a caller that re-attaches to one from before gets `resume_gap`, while the
 * calls run on, their callers get every chunk, and a caller that re-attaches from where it was gets the ending.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStreamCall } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";

const PIECE = "x".repeat(64 * 1024);
const PIECES_PER_CALL = 4;
const CALLS = 6;
/** Room for a little less than four calls' pieces: the six calls' 24 pieces are well past it. */
const MAX_RESUME_BYTES = 16 * PIECE.length;

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
      const agent = await createAgent(user.api);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const connected = await connectAgent(gateway.url, user.token, agent.name, async (_request, reply) => {
        for (let i = 0; i < PIECES_PER_CALL; i++) reply.chunk(PIECE);
        await gate;
        reply.done("end");
      });
      try {
        const calls = await Promise.all(
          Array.from({ length: CALLS }, async () => {
            const res = await startStreamCall(gateway.url, user.token, agent.name);
            const id = res.headers.get("x-agent-mesh-request-id")!;
            return { id, session: res.headers.get("x-agent-mesh-session-id")!, caller: following(res) };
          }),
        );
        await waitFor(() => calls.every((call) => call.caller.chunks() === PIECES_PER_CALL), {
          what: "every caller has every piece",
        });
        const node = await fetch(`${gateway.url}/v1/node`, {
          headers: { authorization: `Bearer ${gateway.adminToken}` },
        }).then((res) => res.json());
        if (runtime === "workerd")
          expect(node.resume_bytes).toBeNull(); // each agent's Durable Object keeps its own
        else expect(node).toMatchObject({ resume_max_bytes: MAX_RESUME_BYTES });
        if (runtime !== "workerd") expect(node.resume_bytes).toBeLessThanOrEqual(MAX_RESUME_BYTES);

        const reattach = (call: (typeof calls)[number], lastEventId: number) =>
          fetch(`${gateway.url}/v1/agents/${agent.name}/messages/${call.id}?session_id=${call.session}`, {
            headers: {
              authorization: `Bearer ${user.token}`,
              accept: "text/event-stream",
              "last-event-id": String(lastEventId),
            },
          });
        const fromStart = await Promise.all(calls.map((call) => reattach(call, 0)));
        const fromEnd = await Promise.all(calls.map((call) => reattach(call, PIECES_PER_CALL)));
        release();

        const replayed = fromStart.filter((res) => res.status === 200);
        const gaps = fromStart.filter((res) => res.status !== 200);
        for (const res of gaps) {
          expect(res.status).toBe(410);
          expect((await res.json()).error.code).toBe("resume_gap");
        }
        // Four calls' pieces would pass the limit; three quarters of it is kept after a walk.
        expect(replayed.length).toBeGreaterThanOrEqual(1);
        expect(replayed.length).toBeLessThanOrEqual(3);
        for (const res of replayed) {
          const text = await res.text();
          expect(chunksIn(text)).toBe(PIECES_PER_CALL);
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
          expect(chunksIn(text)).toBe(PIECES_PER_CALL);
          expect(text).toContain("event: done");
        }
      } finally {
        release();
        connected.stop();
      }
    }, 30_000);
  });
}
