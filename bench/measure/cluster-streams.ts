/**
 * Cluster under many concurrent streams: three Bun nodes on one redis-server, twelve bench agents (four connected
 * to each node, one Node process, bench/agents/stream-agents.ts) and `CLUSTER_STREAMS.streams` SSE calls started at
 * once, spread over the three nodes and the twelve agents so about two thirds cross nodes. Each call asks for
 * `CLUSTER_STREAMS.chunks` chunks of 64–256 bytes. Reported: calls that failed (status, a missing chunk, an error
 * event, no done), time to the last chunk per call (p50, p99: from the request to the end of its body), and chunks
 * per second over all calls (every chunk ÷ the time from the first request to the last body's end).
 */
import { startBenchCluster } from "../lib/bench-cluster.ts";
import { httpClient } from "../lib/http-load.ts";
import { apiPost } from "../lib/relay-target.ts";
import { startNodeScript } from "../lib/servers.ts";

export const CLUSTER_STREAMS = { nodes: 3, agentsPerNode: 4, streams: 1000, chunks: 50 };

export interface ClusterStreamsResult {
  streams: number;
  errors: number;
  /** The first few failures, for the notes. */
  failures: string[];
  p50Ms: number;
  p99Ms: number;
  chunksPerSecond: number;
}

export async function measureClusterStreams(): Promise<ClusterStreamsResult> {
  const { nodes: count, agentsPerNode, streams, chunks } = CLUSTER_STREAMS;
  const cluster = await startBenchCluster(count);
  const clients = cluster.nodes.map((node) => ({
    node,
    client: null as ReturnType<typeof httpClient> | null,
  }));
  let agentsProcess: ReturnType<typeof startNodeScript> | undefined;
  try {
    const [first] = cluster.nodes;
    const user = await apiPost(first!.url, cluster.adminToken, "/v1/tokens", { name: "streams" });
    const agents = Array.from({ length: count * agentsPerNode }, (_, i) => ({
      name: `stream-${i}`,
      url: cluster.nodes[i % count]!.url, // agent i lives on node i % 3
    }));
    for (const agent of agents) await apiPost(first!.url, user.token, "/v1/agents", { name: agent.name });
    agentsProcess = startNodeScript("stream-agents", "bench/agents/stream-agents.ts", [
      JSON.stringify({ token: user.token, agents }),
    ]);
    await agentsProcess.waitFor(/stream agents connected/);
    for (const entry of clients) entry.client = httpClient(entry.node.url, user.token, streams);

    const body = JSON.stringify({ message: `stream ${chunks}` });
    const call = async (i: number): Promise<{ ms: number; failure: string | null }> => {
      // The caller's node and the agent vary independently: a third of the calls stay on one node.
      const caller = clients[Math.floor(i / agents.length) % count]!.client!;
      const agent = agents[i % agents.length]!;
      const started = performance.now();
      try {
        const res = await caller.post(`/v1/agents/${agent.name}/messages`, body, "text/event-stream");
        const ms = performance.now() - started;
        const text = res.body.toString();
        const got = text.split("event: chunk\n").length - 1;
        if (res.status === 200 && got === chunks && text.includes("event: done\n"))
          return { ms, failure: null };
        const error = /event: error\ndata: (.*)\n/.exec(text)?.[1] ?? text.slice(0, 200);
        return { ms, failure: `status ${res.status}, ${got}/${chunks} chunks: ${error}` };
      } catch (error) {
        return { ms: performance.now() - started, failure: String(error) };
      }
    };
    // Warm-up: every agent from every node once.
    for (let i = 0; i < agents.length * count; i++) {
      const { failure } = await call(i);
      if (failure) throw new Error(`warm-up call failed: ${failure}`);
    }
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: streams }, (_, i) => call(i)));
    const seconds = (performance.now() - started) / 1000;
    const failures = results.flatMap((result) => (result.failure ? [result.failure] : []));
    const times = results.map((result) => result.ms).sort((a, b) => a - b);
    return {
      streams,
      errors: failures.length,
      failures: failures.slice(0, 3),
      p50Ms: times[Math.floor(times.length * 0.5)]!,
      p99Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!,
      chunksPerSecond: ((streams - failures.length) * chunks) / seconds,
    };
  } finally {
    for (const entry of clients) entry.client?.close();
    await agentsProcess?.stop();
    await cluster.stop();
  }
}
