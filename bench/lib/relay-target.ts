/**
 * A relay under test with the bench agent connected: a floor (no auth: any token and agent name do) or a
 * gateway (a real user, a real agent, the agent connected with the user's token).
 */
import type { BenchProcess } from "./processes.ts";
import { type LocalRuntime, startFloor, startGateway, startNodeScript } from "./servers.ts";

export interface RelayTarget {
  kind: "floor" | "gateway";
  runtime: string;
  url: string;
  /** Bearer token callers send (the floor ignores it; it is sent anyway so requests are byte-identical). */
  token: string;
  messagesPath: string;
  serverPid: number;
  /** The process that answers as the agent, where it is one of ours (workerd and cluster targets leave it out). */
  agentPid?: number;
  /** Connector targets: ms from starting `agent-mesh connect` until it said it was connected. */
  connectedAfterMs?: number;
  stop(): Promise<void>;
}

/** POSTs JSON with a bearer token and expects `status`; returns the parsed body. */
export async function apiPost(url: string, token: string, path: string, body: unknown, status = 201) {
  const res = await fetch(new URL(path, url), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== status) throw new Error(`POST ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

export async function connectAgent(url: string, token: string, agent: string): Promise<BenchProcess> {
  const proc = startNodeScript("bench-agent", "bench/agents/bench-agent.ts", [url, token, agent]);
  await proc.waitFor(/bench agent connected/);
  return proc;
}

export async function startFloorTarget(
  runtime: LocalRuntime,
  http: "plain" | "hono" = "plain",
): Promise<RelayTarget> {
  const floor = await startFloor(runtime, http);
  const token = "floor-token-ignored";
  let agent: BenchProcess | undefined;
  try {
    agent = await connectAgent(floor.url, token, "echo");
  } catch (error) {
    await floor.stop();
    throw error;
  }
  return {
    kind: "floor",
    runtime,
    url: floor.url,
    token,
    messagesPath: "/v1/agents/echo/messages",
    serverPid: floor.process.pid,
    agentPid: agent.pid,
    async stop() {
      await agent.stop();
      await floor.stop();
    },
  };
}

export async function startGatewayTarget(
  runtime: LocalRuntime,
  options: { store: "memory" | "fs" } = { store: "memory" },
): Promise<RelayTarget> {
  const gateway = await startGateway(runtime, options);
  let agent: BenchProcess | undefined;
  try {
    const user = await apiPost(gateway.url, gateway.adminToken, "/v1/tokens", { name: "bench" });
    await apiPost(gateway.url, user.token, "/v1/agents", { name: "echo" });
    agent = await connectAgent(gateway.url, user.token, "echo");
    return {
      kind: "gateway",
      runtime,
      url: gateway.url,
      token: user.token,
      messagesPath: "/v1/agents/echo/messages",
      serverPid: gateway.process.pid,
      agentPid: agent.pid,
      async stop() {
        await agent?.stop();
        await gateway.stop();
      },
    };
  } catch (error) {
    await agent?.stop();
    await gateway.stop();
    throw error;
  }
}

/** Starts a relay, measures it, and stops it even when the measurement fails. */
export async function measureOn<T>(
  start: () => Promise<RelayTarget>,
  measure: (target: RelayTarget) => Promise<T>,
): Promise<T> {
  const target = await start();
  try {
    return await measure(target);
  } finally {
    await target.stop();
  }
}

/** Starts several relays side by side, measures them together, and stops every one that started. */
export async function measureOnAll<T>(
  starts: (() => Promise<RelayTarget>)[],
  measure: (targets: RelayTarget[]) => Promise<T>,
): Promise<T> {
  const targets: RelayTarget[] = [];
  try {
    for (const start of starts) targets.push(await start());
    return await measure(targets);
  } finally {
    await Promise.all(targets.map((target) => target.stop()));
  }
}
