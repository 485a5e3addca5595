/**
 * The connector keeps a request's frames for replay until the gateway acknowledges the request, but of a long
 * output only the tail (connector/src/client/replay-tail.ts): what a reconnect needs is what was in flight.
 * Against a real gateway: a 40 MiB stream keeps at most about twice `KEPT_CHARS`, and a reconnect late in it
 * still brings the caller every chunk once, in order. Frames not sent yet are all kept (slow-link.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEPT_CHARS, ReplayTail } from "../../connector/src/client/replay-tail.ts";
import { eventData } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { sleep } from "../helpers/wait.ts";

describe("ReplayTail", () => {
  it("gives the frames after a seq, and only lets go of frames far behind the latest", () => {
    const tail = new ReplayTail();
    const frame = (seq: number) => `${seq}:${"x".repeat(1024 * 1024)}`;
    for (let seq = 1; seq <= 40; seq++) tail.push(frame(seq));
    expect(tail.chars).toBeLessThanOrEqual(2 * KEPT_CHARS);
    expect(tail.chars).toBeGreaterThanOrEqual(KEPT_CHARS);
    expect(tail.after(37)).toEqual([frame(38), frame(39), frame(40)]);
    expect(tail.after(40)).toEqual([]);
    // A gateway that asks for more than is kept gets the tail: its seqs jump.
    const kept = tail.after(0);
    expect(kept.at(-1)).toBe(frame(40));
    expect(kept.length).toBeLessThan(40);
    expect(kept[0]).toBe(frame(tail.firstSeq));
    expect(tail.firstSeq).toBe(40 - kept.length + 1);
  });

  it("keeps every frame not sent yet, however many: all of them while the link is down", () => {
    let unsent = 0;
    const tail = new ReplayTail(() => unsent);
    expect(tail.firstSeq).toBe(1);
    const frame = (seq: number) => `${seq}:${"x".repeat(1024 * 1024)}`;
    for (let seq = 1; seq <= 80; seq++) {
      unsent += frame(seq).length; // the link is slower than the agent: nothing leaves
      tail.push(frame(seq));
    }
    expect(tail.after(0)).toHaveLength(80);
    unsent = 0; // all of it went out: the tail lets go of what is far behind again
    for (let seq = 81; seq <= 90; seq++) tail.push(frame(seq));
    expect(tail.chars).toBeLessThanOrEqual(2 * KEPT_CHARS);
    const down = new ReplayTail(() => Number.POSITIVE_INFINITY);
    for (let seq = 1; seq <= 80; seq++) down.push(frame(seq));
    expect(down.after(0)).toHaveLength(80);
  });
});

describe("a long stream through a real gateway", () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    // The caller shares its process with the connector and parses 1 MiB events: it fell up to 14 MiB behind the
    // gateway in runs here, and in CI past the default 16 MiB, where the gateway rightly cut it (after 12 MB read;
    // sse-callers.test.ts tests that cut). This test is about the connector: its caller may fall behind by all 40.
    gateway = await startGateway({
      runtime: "node",
      env: { AGENT_MESH_MAX_UNREAD_BYTES: String(64 * 1024 * 1024) },
    });
  });
  afterAll(async () => gateway?.stop());

  it("keeps only the tail for replay, and a reconnect late in it still delivers every chunk once", async () => {
    const user = await createUser(gateway.url, gateway.adminToken, "long-stream");
    const agent = await createAgent(user.api);
    const piece = "x".repeat(1024 * 1024);
    let keptAtDrop = 0;
    let mostUnsent = 0;
    const connected = await connectAgent(gateway.url, user.token, agent.name, async (_request, reply) => {
      for (let i = 1; i <= 40; i++) {
        reply.chunk(piece);
        if (i <= 36) mostUnsent = Math.max(mostUnsent, connected.client.unsentChars);
        if (i === 36) {
          keptAtDrop = connected.client.heldChars;
          connected.client.dropConnection();
        }
        await sleep(5);
      }
      reply.done("end");
    });
    try {
      const res = await user.api.stream(`/v1/agents/${agent.name}/messages`, { message: "all of it" });
      const chunks = eventData(res.events, "chunk");
      expect(chunks.map((c) => c.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(chunks.every((c) => c.delta.length === piece.length)).toBe(true);
      expect(eventData(res.events, "done")[0].result).toBe("end");
      // 36 MiB were written by then: without the tail, all of it was kept; with it, at most twice KEPT_CHARS besides
      // the frames not sent yet (a loaded machine leaves some waiting).
      expect(keptAtDrop).toBeLessThanOrEqual(2 * KEPT_CHARS + mostUnsent);
    } finally {
      connected.stop();
    }
  });
});
