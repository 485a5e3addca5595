/**
 * A connector that stops reading its socket (a stalled or very slow link) while it still pings: past
 * `AGENT_MESH_MAX_UNREAD_BYTES` of frames waiting for it, the gateway closes the socket (`4003`). Without that, Bun
 * dropped frames while the socket stayed open (the tasks sent into the void stayed `working` with their agent
 * `online` until their timeout), and Node and Deno held every frame in memory. Now the agent is offline and, once
 * its grace window passes, the tasks wait in the queue for its return.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";

const MAX_UNREAD = 1024 * 1024;
/**
 * Tasks of about 1 MB each sent to the stalled connector: well past what the kernel holds for a reader that stopped
 * on loopback (its receive buffer grows to `net.ipv4.tcp_rmem`'s maximum, 32 MiB on the test machines, and the
 * sender's holds 4 MiB) plus the limit.
 */
const TASKS = 64;

for (const runtime of ["bun", "node", "deno"] as RuntimeName[]) {
  describe(`a connector that stops reading, on ${runtime}`, () => {
    let gateway: GatewayProcess;
    beforeAll(async () => {
      gateway = await startGateway({
        runtime,
        env: { AGENT_MESH_MAX_UNREAD_BYTES: String(MAX_UNREAD) },
      });
    });
    afterAll(async () => gateway?.stop());

    it("is disconnected, and the tasks it never got go back to the queue", async () => {
      const user = await createUser(gateway.url, gateway.adminToken, `stalled-${runtime}`);
      const agent = await createAgent(user.api);
      const socket = new WebSocket(`${gateway.url.replace(/^http/, "ws")}/v1/connect`);
      const welcomed = new Promise<void>((resolve, reject) => {
        socket.once("message", () => resolve());
        socket.once("error", reject);
      });
      await new Promise<void>((resolve) => socket.once("open", () => resolve()));
      socket.send(
        JSON.stringify({ type: "hello", protocol: { min: 1, max: 1 }, token: user.token, agent: agent.name }),
      );
      await welcomed;
      // The gateway's close may reach it as a reset: the test watches the agent's presence, not the socket.
      socket.on("error", () => {});
      // From here on it reads nothing, but keeps pinging, so the heartbeat finds it alive.
      (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const pinging = setInterval(() => socket.send(JSON.stringify({ type: "ping" })), 100);
      try {
        const message = "x".repeat(1000 * 1000);
        const ids: string[] = [];
        for (let i = 0; i < TASKS; i++) {
          const queued = await user.api.post(`/v1/agents/${agent.name}/messages`, { message, async: true });
          expect(queued.status).toBe(202);
          ids.push(queued.body.task_id);
        }
        await waitFor(async () => (await user.api.get(`/v1/agents/${agent.name}`)).body.online === false, {
          what: "the stalled agent offline",
          timeoutMs: 15_000,
        });
        const last = ids.at(-1)!;
        await waitFor(async () => (await user.api.get(`/v1/tasks/${last}`)).body.status === "submitted", {
          what: "its last task back in the queue",
        });
      } finally {
        clearInterval(pinging);
        socket.terminate();
      }
    });
  });
}
