/**
 * `npm run bench`: the gateway against a minimal relay (the floor) on each runtime, idle memory per agent on
 * Bun, and durable task intake on the fs store. Prints a table and writes bench/RESULTS.md. Targets are tracked,
 * never asserted; the run exits non-zero only when a measurement could not be taken.
 *
 *   npm run bench [-- --only=relay,idle,async] [-- --runtimes=bun,deno,node,workerd]
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { machineInfo } from "./lib/machine.ts";
import { killAllNow, ROOT, stopAll } from "./lib/processes.ts";
import { type RelayTarget, startFloorTarget, startGatewayTarget } from "./lib/relay-target.ts";
import { fmt, latencyRow, type Row, resultsMarkdown, row, table, throughputRow } from "./lib/report.ts";
import { LOCAL_RUNTIMES, type LocalRuntime } from "./lib/servers.ts";
import { startWorkerdTarget } from "./lib/workerd-target.ts";
import { ASYNC, measureAsyncTasks } from "./measure/async-tasks.ts";
import { CAPACITY, capacityRows, measureCapacity, TARGET_AGENTS } from "./measure/capacity-rows.ts";
import { measureRoundTrip, ROUND_TRIP, type RoundTripResult } from "./measure/round-trip.ts";
import { measureStreaming, STREAMING, type StreamingResult } from "./measure/streaming.ts";

interface RelayResult {
  roundTrip: RoundTripResult;
  streaming: StreamingResult;
}

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const only = new Set((argument("only") ?? "relay,capacity,async").split(","));
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

const RELAY_ROUNDS = 2;

/** Per measurement, the best of several rounds: lowest latency, highest rate. */
function bestOf(results: (RelayResult | null)[]): RelayResult | null {
  const done = results.filter((result): result is RelayResult => result !== null);
  if (done.length === 0) return null;
  const latency = (pick: (r: RelayResult) => RoundTripResult["sequential"]) => ({
    p50Ms: Math.min(...done.map((r) => pick(r).p50Ms)),
    p99Ms: Math.min(...done.map((r) => pick(r).p99Ms)),
    perSecond: Math.max(...done.map((r) => pick(r).perSecond)),
  });
  return {
    roundTrip: {
      sequential: { ...done[0]!.roundTrip.sequential, ...latency((r) => r.roundTrip.sequential) },
      concurrent: { ...done[0]!.roundTrip.concurrent, ...latency((r) => r.roundTrip.concurrent) },
    },
    streaming: {
      ...done[0]!.streaming,
      chunksPerSecond: Math.max(...done.map((r) => r.streaming.chunksPerSecond)),
      payloadMBps: Math.max(...done.map((r) => r.streaming.payloadMBps)),
    },
  };
}

function relayRows(runtime: string, gateway: RelayResult, floor: RelayResult): Row[] {
  const { sequential: gs, concurrent: gc } = gateway.roundTrip;
  const { sequential: fs, concurrent: fc } = floor.roundTrip;
  const c = ROUND_TRIP.concurrency;
  return [
    latencyRow("Round trip p50, sequential", runtime, gs.p50Ms, fs.p50Ms, 1.2),
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
      0.9,
    ),
    throughputRow(
      "Stream payload MB/s",
      runtime,
      gateway.streaming.payloadMBps,
      floor.streaming.payloadMBps,
      fmt.mbps,
      0.9,
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

const machine = machineInfo();
const loadAtStart = loadavg()[0]!;
try {
  if (only.has("relay")) {
    for (const runtime of localRuntimes) {
      // Floor and gateway alternate twice and each keeps its better round, so a burst of load from other work
      // on the machine during one round does not decide the ratio.
      const rounds: { floor: RelayResult | null; gateway: RelayResult | null }[] = [];
      for (let round = 1; round <= RELAY_ROUNDS; round++) {
        const floor = await attempt(`floor on ${runtime} (round ${round})`, () =>
          measureRelay(() => startFloorTarget(runtime)),
        );
        const gateway = await attempt(`gateway on ${runtime} (round ${round})`, () =>
          measureRelay(() => startGatewayTarget(runtime)),
        );
        rounds.push({ floor, gateway });
      }
      const floor = bestOf(rounds.map((r) => r.floor));
      const gateway = bestOf(rounds.map((r) => r.gateway));
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
  if (only.has("capacity")) {
    for (const runtime of localRuntimes.filter((name) => name !== "deno")) {
      const result = await attempt(
        `capacity: ${CAPACITY.agents.toLocaleString("en-US")} idle agents on ${runtime}`,
        () => measureCapacity(runtime),
      );
      if (result) rows.push(...capacityRows(result));
      if (result && CAPACITY.agents < TARGET_AGENTS) {
        notes.push(
          `Capacity on ${runtime}: measured with ${CAPACITY.agents.toLocaleString("en-US")} agents, not ${TARGET_AGENTS.toLocaleString("en-US")}: ` +
            `bench processes get at most ${CAPACITY.fileLimit.toLocaleString("en-US")} open files here (the hard limit; this container cannot raise it), and every agent socket is a file in the gateway.`,
        );
      }
    }
  }
  if (only.has("async")) {
    for (const runtime of localRuntimes as LocalRuntime[]) {
      const tasks = await attempt(`async tasks on ${runtime} (fs store)`, () => measureAsyncTasks(runtime));
      if (!tasks) continue;
      const { coldPerSecond: cold, atEmptyPerSecond: empty, atBacklogPerSecond: full } = tasks;
      const backlog = ASYNC.backlog.toLocaleString("en-US");
      const syncs = (perSecond: number | null, tasksPerSecond: number) =>
        perSecond === null
          ? "not counted (perf unavailable)"
          : `${fmt.perSecond(perSecond)} (${(tasksPerSecond / perSecond).toFixed(1)} tasks per sync)`;
      notes.push(
        `Async tasks on ${runtime}: the first ${ASYNC.coldWindow} tasks of a fresh process ran at ${fmt.perSecond(cold)}.`,
      );
      rows.push(
        row(
          "Durable tasks accepted/s, backlog 0",
          runtime,
          fmt.perSecond(empty),
          "",
          "",
          "≥ 10,000/s",
          empty >= 10_000,
        ),
        row(
          "Journal syncs/s, backlog 0",
          runtime,
          syncs(tasks.syncsAtEmptyPerSecond, empty),
          "",
          "",
          "",
          null,
        ),
        row(
          `Durable tasks accepted/s, backlog ${backlog}`,
          runtime,
          fmt.perSecond(full),
          "",
          `${Math.round((full / empty) * 100)}% of backlog 0`,
          "≥ 10,000/s and ≥ 90% of backlog 0",
          full >= 10_000 && full >= 0.9 * empty,
        ),
        row(
          `Journal syncs/s, backlog ${backlog}`,
          runtime,
          syncs(tasks.syncsAtBacklogPerSecond, full),
          "",
          "",
          "",
          null,
        ),
      );
    }
  }
} finally {
  await stopAll();
}

const method = [
  `Floor: bench/floor/<runtime>.ts, one HTTP route and one WebSocket on the runtime's own server (Bun.serve, Deno.serve, node:http + ws); it parses each agent frame once and forwards it, with no auth, storage, validation or timers. Gateways run the real entries (runtimes/<name>/main.ts) with the memory store for the relay rows. Floor and gateway are measured alternately, ${RELAY_ROUNDS} rounds each; each row keeps each side's best round (lowest latency, highest rate), so a burst of load from other work on the machine does not decide a ratio.`,
  `Agent: one Node process (bench/agents/bench-agent.ts) with the real protocol client (connector/src/client/agent-client.ts) drives floor and gateway alike; load: node:http keep-alive from the orchestrator process. Everything on 127.0.0.1; all processes share the machine's cores.`,
  `Round trip: JSON POST, the agent answers with one chunk and done; ${ROUND_TRIP.warmup} warm-up calls (at most ${ROUND_TRIP.warmupMs / 1000} s), then up to ${ROUND_TRIP.requests} calls (or ${ROUND_TRIP.maxMs / 1000} s) sequential and at ${ROUND_TRIP.concurrency} concurrent.`,
  `Streaming: one SSE request; the agent streams ${STREAMING.chunks.toLocaleString("en-US")} chunks of 64–256 bytes; timed at the caller from request to end of body; median of ${STREAMING.runs} runs after one warm-up run. MB/s counts chunk payload (10^6 bytes).`,
  `Capacity: ${CAPACITY.agents.toLocaleString("en-US")} raw ws sockets from ${Math.ceil(CAPACITY.agents / CAPACITY.perProcess)} Node processes (bench/agents/lean-agents.ts, ${CAPACITY.openingAtOnce} handshakes in flight per process, spread over ${CAPACITY.sourceAddresses.length} loopback source addresses) send hello and ping every heartbeat (15 s); first to the floor (a bare WebSocket server answering hello and ping), then to the gateway (fs store, sync always, one user token, ${CAPACITY.agents.toLocaleString("en-US")} agents created through the API first). RSS: VmRSS after all are welcomed and one heartbeat passed, minus before connecting, per agent. Connect rate: agents ÷ (last welcome − first open). Idle CPU: CPU time over one heartbeat with everyone connected. Restart settle: SIGTERM, start again on the same port and data dir, time from the signal until every agent is welcomed again (the generators reconnect with the connector's backoff, connector/src/client/backoff.ts). Bench processes ask for an open-files limit of 262,144 (bench/lib/processes.ts; only a process allowed to raise its hard limit gets it); the agent count is capped by what they get. Deno is not measured (no target).`,
  `Durable tasks: fs store with AGENT_MESH_FS_SYNC=always (each 202 is answered after the journal's fdatasync; concurrent tasks share one), agent never connected, ${ASYNC.senders} concurrent senders; ${ASYNC.warmup.toLocaleString("en-US")} warm-up tasks to another agent, then ${ASYNC.window.toLocaleString("en-US")} tasks from an empty queue, filled to ${ASYNC.backlog.toLocaleString("en-US")}, then ${ASYNC.window.toLocaleString("en-US")} more. Journal syncs/s: fsync + fdatasync calls of the gateway process during the same windows, counted with perf stat on the syscall tracepoints.`,
];
// Other work on a shared machine skews absolute numbers (ratios less so): say how busy it was.
notes.push(
  `Machine load (1-min average on ${cpus().length} cores): ${loadAtStart.toFixed(1)} at the start of the run, ` +
    `${loadavg()[0]!.toFixed(1)} at the end${loadAtStart > cpus().length || loadavg()[0]! > cpus().length ? "; other work ran concurrently" : ""}.`,
);
const output = table(rows);
console.log(`\n${output}\n`);
for (const note of notes) console.log(`- ${note}`);
const partial = only.size < 3 || runtimes.length < 4 || process.env.BENCH_AGENTS !== undefined;
const file = partial ? "RESULTS.partial.md" : "RESULTS.md";
writeFileSync(join(ROOT, "bench", file), resultsMarkdown(machine, rows, notes, method));
console.log(`\nwrote bench/${file}`);
process.exit(failed ? 1 : 0);
