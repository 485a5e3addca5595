/**
 * Hibernation on Workers: an agent object with an idle socket is evicted from memory (workerd does this after about
 * 10 s without events; auto-answered pings do not count) and rebuilt from the socket's attachment when something
 * wakes it. After that the agent must still answer calls, count as online, keep its single connection, and be
 * revocable within 1 s.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";

let gateway: GatewayProcess;

beforeAll(async () => {
  // Liveness window 12.5 s, so the object is idle long enough to hibernate between liveness alarms.
  gateway = await startGateway({
    runtime: "workerd",
    env: { AGENT_MESH_HEARTBEAT_MS: "5000", AGENT_MESH_GRACE_MS: "30000", AGENT_MESH_LOG_WAKES: "1" },
  });
});

afterAll(async () => {
  await gateway?.stop();
});

it("restores a hibernated agent's socket: calls, presence, and revocation still work", async () => {
  const { url, adminToken } = gateway;
  const user = await createUser(url, adminToken, "hibernation-user");
  const agent = await createAgent(user.api);
  const connected = await connectAgent(url, user.token, agent.name);
  expect((await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "before" })).body.result).toBe(
    "before",
  );

  await waitFor(() => /woke from hibernation with 1 socket/.test(gateway.output()), {
    timeoutMs: 40_000,
    what: "the agent object to hibernate and wake",
  });

  const after = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "after" });
  expect(after.status, JSON.stringify(after.body)).toBe(200);
  expect(after.body.result).toBe("after");
  expect((await user.api.get(`/v1/agents/${agent.name}`)).body.online).toBe(true);
  expect(connected.statuses.filter((s) => s.type === "connected")).toHaveLength(1);

  const started = Date.now();
  await apiClient(url, adminToken).call("DELETE", `/v1/tokens/${user.id}`);
  const stopped = await waitFor(() => connected.statuses.find((s) => s.type === "stopped"), {
    timeoutMs: 1000,
    what: "revocation close after hibernation",
  });
  expect(Date.now() - started).toBeLessThan(1000);
  expect(stopped).toMatchObject({ code: 4101 });
}, 60_000);
