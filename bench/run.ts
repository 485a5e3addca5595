/**
 * `npm run bench`: the gateway against a minimal relay (the floor) on each runtime, idle memory per agent on
 * Bun, and durable task intake on the fs store. Prints a table and writes bench/RESULTS.md. Targets are tracked,
 * never asserted; the run exits non-zero only when a measurement could not be taken.
 *
 *   npm run bench [-- --only=relay,idle,async,cluster] [-- --runtimes=bun,deno,node,workerd]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { machineInfo } from "./lib/machine.ts";
import { killAllNow, ROOT, stopAll } from "./lib/processes.ts";
import { type RelayTarget, startFloorTarget, startGatewayTarget } from "./lib/relay-target.ts";
import { fmt, latencyRow, type Row, resultsMarkdown, row, table, throughputRow } from "./lib/report.ts";
import { LOCAL_RUNTIMES, type LocalRuntime } from "./lib/servers.ts";
import { startWorkerdTarget } from "./lib/workerd-target.ts";
import { ASYNC, measureAsyncTasks } from "./measure/async-tasks.ts";
import { type ClusterResult, measureCluster } from "./measure/cluster.ts";
import { measureClusterRecovery } from "./measure/cluster-recovery.ts";
import { IDLE, measureIdleRss } from "./measure/idle-rss.ts";
import { measureRoundTrip, ROUND_TRIP, type RoundTripResult } from "./measure/round-trip.ts";
import { measureStreaming, STREAMING, type StreamingResult } from "./measure/streaming.ts";

interface RelayResult {
  roundTrip: RoundTripResult;
  streaming: StreamingResult;
}

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const only = new Set((argument("only") ?? "relay,idle,async,cluster").split(","));
const runtimes = (argument("runtimes") ?? "bun,deno,node,workerd").split(",");
const localRuntimes = LOCAL_RUNTIMES.filter((runtime) => runtimes.includes(runtime));

const rows: Row[] = [];
const notes: string[] = [];
let failed = false;

process.on("exit", killAllNow);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopAll().finally(() => process.exit(130));
  });
}

/** Runs one measurement; a failure is reported and the run goes on with the next one. */
async function attempt<T>(what: string, work: () => Promise<T>): Promise<T | null> {
  const started = performance.now();
  console.error(`… ${what}`);
  try {
    const result = await work();
    console.error(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } catch (error) {
    failed = true;
    const message = error instanceof Error ? error.message : String(error);
    console.error(`  FAILED: ${message}`);
    notes.push(`${what} failed: ${message.split("\n")[0]}`);
    return null;
  }
}

async function measureRelay(start: () => Promise<RelayTarget>): Promise<RelayResult> {
  const target = await start();
  try {
    return { roundTrip: await measureRoundTrip(target), streaming: await measureStreaming(target) };
  } finally {
    await target.stop();
  }
}

function relayRows(runtime: string, gateway: RelayResult, floor: RelayResult): Row[] {
  const { sequential: gs, concurrent: gc } = gateway.roundTrip;
  const { sequential: fs, concurrent: fc } = floor.roundTrip;
  const c = ROUND_TRIP.concurrency;
  return [
    latencyRow("Round trip p50, sequential", runtime, gs.p50Ms, fs.p50Ms),
    latencyRow("Round trip p99, sequential", runtime, gs.p99Ms, fs.p99Ms),
    throughputRow("Round trips/s, sequential", runtime, gs.perSecond, fs.perSecond, fmt.perSecond),
    latencyRow(`Round trip p50, ${c} concurrent`, runtime, gc.p50Ms, fc.p50Ms),
    latencyRow(`Round trip p99, ${c} concurrent`, runtime, gc.p99Ms, fc.p99Ms),
    throughputRow(`Round trips/s, ${c} concurrent`, runtime, gc.perSecond, fc.perSecond, fmt.perSecond, 0.5),
    throughputRow(
      "Stream chunks/s",
      runtime,
      gateway.streaming.chunksPerSecond,
      floor.streaming.chunksPerSecond,
      fmt.perSecond,
      0.5,
    ),
    throughputRow(
      "Stream payload MB/s",
      runtime,
      gateway.streaming.payloadMBps,
      floor.streaming.payloadMBps,
      fmt.mbps,
      0.5,
    ),
  ];
}

function workerdRows(result: RelayResult): Row[] {
  const { sequential: s, concurrent: c } = result.roundTrip;
  const n = ROUND_TRIP.concurrency;
  return [
    row("Round trip p50, sequential", "workerd", fmt.ms(s.p50Ms), "no floor", "", "", null),
    row("Round trip p99, sequential", "workerd", fmt.ms(s.p99Ms), "no floor", "", "", null),
    row(`Round trips/s, ${n} concurrent`, "workerd", fmt.perSecond(c.perSecond), "no floor", "", "", null),
    row(
      "Stream chunks/s",
      "workerd",
      fmt.perSecond(result.streaming.chunksPerSecond),
      "no floor",
      "",
      "",
      null,
    ),
  ];
}

/** Cross-node against same-node, both in cluster mode (the "floor" column holds the same-node figure). */
function clusterRows(result: ClusterResult): Row[] {
  const { same, cross } = result;
  return [
    latencyRow(
      "Cluster round trip p50, cross-node vs same-node",
      "bun",
      cross.roundTrip.sequential.p50Ms,
      same.roundTrip.sequential.p50Ms,
      1.5,
    ),
    latencyRow(
      "Cluster round trip p99, cross-node vs same-node",
      "bun",
      cross.roundTrip.sequential.p99Ms,
      same.roundTrip.sequential.p99Ms,
      1.5,
    ),
    throughputRow(
      `Cluster round trips/s, ${ROUND_TRIP.concurrency} concurrent, cross vs same`,
      "bun",
      cross.roundTrip.concurrent.perSecond,
      same.roundTrip.concurrent.perSecond,
      fmt.perSecond,
    ),
    throughputRow(
      "Cluster stream chunks/s, cross-node vs same-node",
      "bun",
      cross.streaming.chunksPerSecond,
      same.streaming.chunksPerSecond,
      fmt.perSecond,
      0.6,
    ),
  ];
}

const machine = machineInfo();
try {
  if (only.has("relay")) {
    for (const runtime of localRuntimes) {
      const floor = await attempt(`floor on ${runtime}`, () => measureRelay(() => startFloorTarget(runtime)));
      const gateway = await attempt(`gateway on ${runtime}`, () =>
        measureRelay(() => startGatewayTarget(runtime)),
      );
      if (floor && gateway) rows.push(...relayRows(runtime, gateway, floor));
    }
    if (runtimes.includes("workerd")) {
      try {
        const result = await measureRelay(startWorkerdTarget);
        rows.push(...workerdRows(result));
      } catch (error) {
        const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
        notes.push(`workerd: not measured (${reason}).`);
      }
    }
  }
  if (only.has("idle")) {
    const idle = await attempt(`idle memory of ${IDLE.agents} agents on bun`, measureIdleRss);
    if (idle) {
      rows.push(
        row("RSS per idle agent", "bun", fmt.kb(idle.kbPerAgent), "", "", "≤ 10 KB", idle.kbPerAgent <= 10),
      );
      notes.push(
        `Idle agents (bun, memory store): RSS ${fmt.kb(idle.rssBeforeKb)} with ${idle.agents} agents created, ` +
          `${fmt.kb(idle.rssAfterKb)} with all connected; created ${fmt.perSecond(idle.createdPerSecond)}, ` +
          `connected ${fmt.perSecond(idle.connectedPerSecond)} (hello → welcome); ${idle.heartbeatsSeen} pongs seen.`,
      );
    }
  }
  if (only.has("async")) {
    for (const runtime of localRuntimes as LocalRuntime[]) {
      const tasks = await attempt(`async tasks on ${runtime} (fs store)`, () => measureAsyncTasks(runtime));
      if (!tasks) continue;
      const { coldPerSecond: cold, atEmptyPerSecond: empty, atBacklogPerSecond: full } = tasks;
      notes.push(
        `Async tasks on ${runtime}: the first ${ASYNC.coldWindow} tasks of a fresh process ran at ${fmt.perSecond(cold)}.`,
      );
      rows.push(
        row(
          "Async tasks accepted/s, backlog 0",
          runtime,
          fmt.perSecond(empty),
          "",
          "",
          "≥ 6,000/s",
          empty >= 6000,
        ),
        row(
          `Async tasks accepted/s, backlog ${ASYNC.backlog.toLocaleString("en-US")}`,
          runtime,
          fmt.perSecond(full),
          "",
          `${Math.round((full / empty) * 100)}% of backlog 0`,
          "≥ 6,000/s and ≥ 90% of backlog 0",
          full >= 6000 && full >= 0.9 * empty,
        ),
      );
    }
  }
  if (only.has("cluster")) {
    const cluster = await attempt("cluster: 2 bun nodes on one redis-server", measureCluster);
    if (cluster) rows.push(...clusterRows(cluster));
    const recovery = await attempt(
      "cluster recovery: SIGKILL of the agent's node, Redis restart",
      measureClusterRecovery,
    );
    if (recovery) {
      rows.push(
        row(
          "Cluster: agent back online after its node's SIGKILL",
          "bun",
          fmt.ms(recovery.agentBackMs),
          "",
          "",
          "",
          null,
        ),
        row(
          "Cluster: service back after a Redis restart",
          "bun",
          fmt.ms(recovery.serviceBackMs),
          "",
          "",
          "",
          null,
        ),
      );
    }
    notes.push(
      "Cluster rows not measured yet: 1,000 concurrent streams over 3 nodes, 10,000 idle agents over 3 nodes (RSS per agent per node, Redis memory per agent).",
    );
  }
} finally {
  await stopAll();
}

const method = [
  `Floor: bench/floor/<runtime>.ts, one HTTP route and one WebSocket on the runtime's own server (Bun.serve, Deno.serve, node:http + ws); it parses each agent frame once and forwards it, with no auth, storage, validation or timers. Gateways run the real entries (runtimes/<name>/main.ts) with the memory store for the relay rows.`,
  `Agent: one Node process (bench/agents/bench-agent.ts) with the real protocol client (connector/src/client/agent-client.ts) drives floor and gateway alike; load: node:http keep-alive from the orchestrator process. Everything on 127.0.0.1; all processes share the machine's cores.`,
  `Round trip: JSON POST, the agent answers with one chunk and done; ${ROUND_TRIP.warmup} warm-up calls (at most ${ROUND_TRIP.warmupMs / 1000} s), then up to ${ROUND_TRIP.requests} calls (or ${ROUND_TRIP.maxMs / 1000} s) sequential and at ${ROUND_TRIP.concurrency} concurrent.`,
  `Streaming: one SSE request; the agent streams ${STREAMING.chunks.toLocaleString("en-US")} chunks of 64–256 bytes; timed at the caller from request to end of body; median of ${STREAMING.runs} runs after one warm-up run. MB/s counts chunk payload (10^6 bytes).`,
  `Idle RSS: ${IDLE.agents.toLocaleString("en-US")} agents created through the API (memory store), then as many raw ws sockets from ${IDLE.processes} Node processes send hello and ping every ${IDLE.heartbeatMs / 1000} s (heartbeat shortened so each socket pings within the run); VmRSS from /proc/<pid>/status before connecting and after all are welcomed plus one heartbeat.`,
  "Cluster: two Bun nodes (AGENT_MESH_CLUSTER=redis, redis store) on one local redis-server, the bench agent on node A; the round-trip and streaming measurements above with the caller on node A (same node; in cluster mode that call also goes through the Redis output log) and on node B (cross-node). The floor column holds the same-node figure.",
  `Async tasks: fs store, agent never connected, ${ASYNC.senders} concurrent senders; ${ASYNC.warmup.toLocaleString("en-US")} warm-up tasks to another agent, then ${ASYNC.window} tasks from an empty queue, filled to ${ASYNC.backlog.toLocaleString("en-US")}, then ${ASYNC.window} more.`,
];
const output = table(rows);
console.log(`\n${output}\n`);
for (const note of notes) console.log(`- ${note}`);
const partial = only.size < 4 || runtimes.length < 4;
const file = partial ? "RESULTS.partial.md" : "RESULTS.md";
writeFileSync(join(ROOT, "bench", file), resultsMarkdown(machine, rows, notes, method));
console.log(`\nwrote bench/${file}`);
process.exit(failed ? 1 : 0);
