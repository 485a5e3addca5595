/**
 * Frames a connector sent that never reached the gateway, more of them than it keeps for replay (replay-tail.ts), as
 * when a network path fails with tens of MiB on the way: after the reconnect the gateway tells the caller which
 * chunks are missing (`event: gap`), and the rest of the answer and its result still arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEPT_CHARS } from "../../connector/src/client/replay-tail.ts";
import { eventData, told } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { type LossyLink, startLossyLink } from "../helpers/lossy-link.ts";
import { waitFor } from "../helpers/wait.ts";

const MiB = 1024 * 1024;
const LOST = 40;

describe("a connector whose link lost more than it keeps for replay", () => {
  let gateway: GatewayProcess;
  let link: LossyLink;
  beforeAll(async () => {
    // The caller shares its process with the connector and reads 1 MiB events; it may fall behind by all of the
    // replayed tail (see replay-tail.test.ts), which is not what this test is about. And while the link loses what
    // the connector sends, its pings are lost too: the gateway must not drop the socket (after 2.5 heartbeats, a
    // second with the tests' default) before the test cuts the link itself.
    gateway = await startGateway({
      runtime: "node",
      env: { AGENT_MESH_MAX_UNREAD_BYTES: String(64 * MiB), AGENT_MESH_HEARTBEAT_MS: "20000" },
    });
    link = await startLossyLink(gateway.url);
  });
  afterAll(async () => {
    await link?.stop();
    await gateway?.stop();
  });

  it("tells the caller which chunks never arrived, then delivers the rest and the result", async () => {
    const user = await createUser(gateway.url, gateway.adminToken, "lost-output");
    const agent = await createAgent(user.api);
    const piece = "x".repeat(MiB);
    let relayedFour!: () => void;
    const four = new Promise<void>((resolve) => {
      relayedFour = resolve;
    });
    const connected = await connectAgent(link.url, user.token, agent.name, async (_request, reply) => {
      for (let i = 1; i <= 4; i++) reply.chunk(piece);
      await four;
      link.loseFromNow();
      for (let i = 1; i <= LOST; i++) {
        reply.chunk(piece);
        // Each handed to the kernel (sent, as far as the connector knows) before the next is written, so the tail
        // lets go of the oldest as on a link that keeps up (on a loaded machine a burst waited unsent, and was kept).
        await waitFor(() => connected.client.unsentChars === 0, { what: "the chunk sent" });
      }
      link.cut();
      for (let i = 1; i <= 4; i++) reply.chunk(piece);
      reply.done("end");
    });
    try {
      const res = await user.api.stream(
        `/v1/agents/${agent.name}/messages`,
        { message: "go" },
        { onEvent: (event) => event.event === "chunk" && event.id === "4" && relayedFour() },
      );
      const order = told(res.events);
      const seqs = eventData(res.events, "chunk").map((chunk) => chunk.seq);
      const [gap, ...more] = eventData(res.events, "gap");
      expect(more).toEqual([]);
      // Chunks 1-4, the gap, then the tail the connector still kept and the chunks written after the reconnect.
      expect(gap).toMatchObject({ code: "output_lost", after: 4 });
      expect(order.slice(0, 5)).toEqual(["chunk 1", "chunk 2", "chunk 3", "chunk 4", `gap ${gap.next - 1}`]);
      const kept = 4 + LOST + 4 - gap.next + 1;
      expect(seqs).toEqual([1, 2, 3, 4, ...Array.from({ length: kept }, (_, i) => gap.next + i)]);
      // What it lost is what it no longer kept: at most the 40 MiB on the way, at least all but twice KEPT_CHARS.
      expect(gap.next - 5).toBeGreaterThanOrEqual(LOST - (2 * KEPT_CHARS) / MiB);
      expect(gap.next - 5).toBeLessThanOrEqual(LOST);
      expect(eventData(res.events, "done")[0].result).toBe("end");
      expect(connected.statuses.filter((status) => status.type === "connected")).toHaveLength(2);
      // The connector knows it too: what the gateway asked for after the reconnect, against what it still kept.
      expect(connected.lost).toEqual([{ id: connected.requests[0]!.id, after: 4, next: gap.next }]);
    } finally {
      connected.stop();
    }
  });
});
