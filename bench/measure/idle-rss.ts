/**
 * Measurement 3: resident memory per idle connected agent on Bun. 10,000 agents are created through the API
 * (memory store), then 10,000 lean sockets (bench/agents/lean-agents.ts, spread over a few Node processes)
 * complete hello/welcome and heartbeat; the gateway's VmRSS is read before and after.
 */
import { httpClient } from "../lib/http-load.ts";
import { type BenchProcess, readRssKb } from "../lib/processes.ts";
import { apiPost } from "../lib/relay-target.ts";
import { startGateway, startNodeScript } from "../lib/servers.ts";

export const IDLE = { agents: 10_000, processes: 3, heartbeatMs: 5000, settleMs: 3000 };

export interface IdleRssResult {
  agents: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  kbPerAgent: number;
  createdPerSecond: number;
  connectedPerSecond: number;
  heartbeatsSeen: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureIdleRss(): Promise<IdleRssResult> {
  // A shorter heartbeat than the 15 s default so every socket pings at least once within the run.
  const gateway = await startGateway("bun", {
    store: "memory",
    env: { AGENT_MESH_HEARTBEAT_MS: String(IDLE.heartbeatMs) },
  });
  const lean: BenchProcess[] = [];
  try {
    const user = await apiPost(gateway.url, gateway.adminToken, "/v1/tokens", { name: "idle" });
    const client = httpClient(gateway.url, user.token, 32);
    let created = 0;
    const createStarted = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (created < IDLE.agents) {
          const res = await client.post("/v1/agents", JSON.stringify({ name: `idle-${created++}` }));
          if (res.status !== 201) throw new Error(`creating an agent: ${res.status} ${res.body}`);
        }
      }),
    );
    const createdPerSecond = IDLE.agents / ((performance.now() - createStarted) / 1000);
    client.close();

    await sleep(IDLE.settleMs);
    const rssBeforeKb = await readRssKb(gateway.process.pid);

    const connectStarted = performance.now();
    const share = Math.ceil(IDLE.agents / IDLE.processes);
    for (let first = 0; first < IDLE.agents; first += share) {
      const count = Math.min(share, IDLE.agents - first);
      const args = [gateway.url, user.token, "idle-", String(first), String(count)];
      lean.push(startNodeScript(`lean-${first}`, "bench/agents/lean-agents.ts", args));
    }
    await Promise.all(lean.map((proc) => proc.waitFor(/lean ready/, 180_000)));
    const connectedPerSecond = IDLE.agents / ((performance.now() - connectStarted) / 1000);
    // Let at least one heartbeat pass on every socket, then let the heap settle.
    await sleep(IDLE.heartbeatMs + IDLE.settleMs);
    const rssAfterKb = await readRssKb(gateway.process.pid);
    const totals = lean.map((proc) => lastCounts(proc));
    const closed = totals.reduce((sum, t) => sum + t.closed, 0);
    if (closed > 0) throw new Error(`${closed} idle sockets were closed during the measurement`);
    return {
      agents: IDLE.agents,
      rssBeforeKb,
      rssAfterKb,
      kbPerAgent: (rssAfterKb - rssBeforeKb) / IDLE.agents,
      createdPerSecond,
      connectedPerSecond,
      heartbeatsSeen: totals.reduce((sum, t) => sum + t.pongs, 0),
    };
  } finally {
    await Promise.all(lean.map((proc) => proc.stop()));
    await gateway.stop();
  }
}

function lastCounts(proc: BenchProcess): { welcomed: number; closed: number; pongs: number } {
  const lines = proc.output().match(/^lean (\{.*\})$/gm) ?? [];
  const last = lines.at(-1);
  return last ? JSON.parse(last.slice(5)) : { welcomed: 0, closed: 0, pongs: 0 };
}
