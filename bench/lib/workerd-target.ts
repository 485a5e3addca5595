/**
 * The gateway on workerd, if the shared test helper can start it yet (it is being built alongside this bench).
 * There is no workerd floor, so workerd rows carry absolute numbers only.
 */
import { startGateway } from "../../tests/helpers/gateway-process.ts";
import { apiPost, type RelayTarget } from "./relay-target.ts";
import { BENCH_RATE_LIMIT, startNodeScript } from "./servers.ts";

/** Production timings instead of the contract suite's short ones. */
const PRODUCTION_TIMINGS = {
  AGENT_MESH_HEARTBEAT_MS: "15000",
  AGENT_MESH_GRACE_MS: "30000",
  AGENT_MESH_HELLO_TIMEOUT_MS: "10000",
  AGENT_MESH_KEEPALIVE_MS: "15000",
  AGENT_MESH_SYNC_TIMEOUT_MS: "300000",
  AGENT_MESH_RATE_LIMIT: BENCH_RATE_LIMIT,
};

export async function startWorkerdTarget(): Promise<RelayTarget> {
  const gateway = await startGateway({ runtime: "workerd", store: "memory", env: PRODUCTION_TIMINGS });
  try {
    const user = await apiPost(gateway.url, gateway.adminToken, "/v1/tokens", { name: "bench" });
    await apiPost(gateway.url, user.token, "/v1/agents", { name: "echo" });
    const agent = startNodeScript("bench-agent-workerd", "bench/agents/bench-agent.ts", [
      gateway.url,
      user.token,
      "echo",
    ]);
    await agent.waitFor(/bench agent connected/).catch(async (error) => {
      await agent.stop();
      throw error;
    });
    return {
      kind: "gateway",
      runtime: "workerd",
      url: gateway.url,
      token: user.token,
      messagesPath: "/v1/agents/echo/messages",
      serverPid: 0,
      async stop() {
        await agent.stop();
        await gateway.stop();
      },
    };
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}
