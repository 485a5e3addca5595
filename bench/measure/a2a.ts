/**
 * Measurement: the A2A door against our own /v1 on the same gateway, agent and process. Round trip: a blocking
 * A2A `SendMessage` (JSON-RPC; it runs as a durable task) vs a /v1 JSON call, sequential p50. Streaming: A2A
 * `message:stream` (REST, every chunk an `artifactUpdate`) vs /v1 SSE, chunks per second, median of runs.
 */
import { httpClient, type LatencyStats, measureLatencyInTurns } from "../lib/http-load.ts";
import type { RelayTarget } from "../lib/relay-target.ts";
import { fmt, latencyRow, type Row, throughputRow } from "../lib/report.ts";

export const A2A = { warmup: 2000, warmupMs: 4000, requests: 3000, maxMs: 8000, chunks: 20_000, runs: 9 };

export interface A2aResult {
  v1: LatencyStats;
  a2a: LatencyStats;
  v1ChunksPerSecond: number;
  a2aChunksPerSecond: number;
}

const A2A_HEADERS = { "a2a-version": "1.0" };
let messageCounter = 0;

function sendMessageBody(text: string): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id: ++messageCounter,
    method: "SendMessage",
    params: { message: { messageId: `bench-${messageCounter}`, role: "ROLE_USER", parts: [{ text }] } },
  });
}

function streamBody(text: string): string {
  return JSON.stringify({
    message: { messageId: `bench-s-${++messageCounter}`, role: "ROLE_USER", parts: [{ text }] },
  });
}

/** An answer for the run's notes: its status, length, time, and both ends of its body. */
function described(status: number, text: string, seconds: number): string {
  return (
    `status ${status}, ${text.length} characters in ${Math.round(seconds * 1000)} ms, beginning ` +
    `${JSON.stringify(text.slice(0, 240))}, ending ${JSON.stringify(text.slice(-240))}`
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function measureA2a(target: RelayTarget, agent = "echo"): Promise<A2aResult> {
  const client = httpClient(target.url, target.token, 1);
  const rpcPath = `/a2a/${agent}/`;
  const v1Body = JSON.stringify({ message: "hello from the bench" });
  const v1 = async () => {
    const res = await client.post(target.messagesPath, v1Body);
    if (res.status !== 200) throw new Error(`/v1 ${target.runtime}: ${res.status} ${res.body}`);
  };
  const a2a = async () => {
    const res = await client.post(
      rpcPath,
      sendMessageBody("hello from the bench"),
      "application/json",
      A2A_HEADERS,
    );
    const state =
      res.status === 200 ? JSON.parse(res.body.toString()).result?.task?.status?.state : undefined;
    if (state !== "TASK_STATE_COMPLETED") throw new Error(`A2A ${target.runtime}: ${res.status} ${res.body}`);
  };
  try {
    // Interleaved, one call of each per round: both see the same machine load, JIT state and store size.
    const turns = (requests: number, maxMs: number) =>
      measureLatencyInTurns([v1, a2a], { requests, concurrency: 1, maxMs: maxMs / 2, slices: requests });
    await turns(A2A.warmup, A2A.warmupMs);
    const [v1Stats, a2aStats] = await turns(A2A.requests, A2A.maxMs);

    const v1Rates: number[] = [];
    const a2aRates: number[] = [];
    for (let i = 0; i <= A2A.runs; i++) {
      let started = performance.now();
      const plain = await client.post(
        target.messagesPath,
        JSON.stringify({ message: `stream ${A2A.chunks}` }),
        "text/event-stream",
      );
      const v1Seconds = (performance.now() - started) / 1000;
      const plainText = plain.body.toString();
      const v1Chunks = plainText.split("event: chunk\n").length - 1;
      started = performance.now();
      const door = await client.post(
        `/a2a/${agent}/message:stream`,
        streamBody(`stream ${A2A.chunks}`),
        "text/event-stream",
        A2A_HEADERS,
      );
      const a2aSeconds = (performance.now() - started) / 1000;
      const text = door.body.toString();
      // Chunk events carry an id; the closing artifact update and the status events do not.
      const a2aChunks = text.split("\nid: ").length - 1 + (text.startsWith("id: ") ? 1 : 0);
      if (v1Chunks !== A2A.chunks || a2aChunks !== A2A.chunks || !text.includes("TASK_STATE_COMPLETED"))
        // What the doors answered goes into the run's notes: a short stream (on workerd, once in several full runs,
        // of either door) has not been reproduced outside the bench.
        throw new Error(
          `streams on ${target.runtime} (run ${i}): /v1 ${v1Chunks}, A2A ${a2aChunks} of ${A2A.chunks} chunks; ` +
            `the /v1 answer: ${described(plain.status, plainText, v1Seconds)}; ` +
            `the A2A answer: ${described(door.status, text, a2aSeconds)}`,
        );
      if (i === 0) continue; // warm-up
      v1Rates.push(v1Chunks / v1Seconds);
      a2aRates.push(a2aChunks / a2aSeconds);
    }
    return {
      v1: v1Stats!,
      a2a: a2aStats!,
      v1ChunksPerSecond: median(v1Rates),
      a2aChunksPerSecond: median(a2aRates),
    };
  } finally {
    client.close();
  }
}

/** A2A against `/v1` on one runtime: the blocking call's latency and the stream's rate. */
export function a2aRows(runtime: string, result: A2aResult): Row[] {
  return [
    latencyRow("A2A SendMessage p50 (floor: /v1 JSON call)", runtime, result.a2a.p50Ms, result.v1.p50Ms, 1.3),
    throughputRow(
      "A2A stream chunks/s (floor: /v1 SSE)",
      runtime,
      result.a2aChunksPerSecond,
      result.v1ChunksPerSecond,
      fmt.perSecond,
      0.8,
    ),
  ];
}
