/**
 * `npm run bench`: the gateway against a minimal relay (the floor) on each runtime, idle memory per agent on
 * Bun, and durable task intake on the fs store. Prints a table and writes bench/RESULTS.md. Targets are tracked,
 * never asserted; the run exits non-zero only when a measurement could not be taken.
 *
 *   npm run bench [-- --only=relay,capacity,async,doors,a2a,mesh,sandbox,cluster,connector] [-- --runtimes=bun,deno,node,workerd]
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { latencyPlacement } from "./lib/cpu-pinning.ts";
import { machineInfo } from "./lib/machine.ts";
import { killAllNow, ROOT, stopAll } from "./lib/processes.ts";
import { measureOn, type RelayTarget, startFloorTarget, startGatewayTarget } from "./lib/relay-target.ts";
import { fmt, latencyRow, type Row, resultsMarkdown, row, table } from "./lib/report.ts";
import { LOCAL_RUNTIMES, type LocalRuntime } from "./lib/servers.ts";
import { startWorkerdTarget } from "./lib/workerd-target.ts";
import { A2A, a2aRows, measureA2a } from "./measure/a2a.ts";
import { ASYNC, asyncRows, measureAsyncTasks } from "./measure/async-tasks.ts";
import {
  BUN_SETTINGS,
  CAPACITY,
  capacityRows,
  KEEP_FREED_MEMORY_SETTING,
  measureCapacity,
  measureGateway,
  scalingRows,
  settingRows,
  settingText,
  TARGET_AGENTS,
} from "./measure/capacity-rows.ts";
import { measureCluster } from "./measure/cluster.ts";
import { CLUSTER_IDLE, measureClusterIdle } from "./measure/cluster-idle.ts";
import { measureClusterRecovery } from "./measure/cluster-recovery.ts";
import { clusterIdleRows, clusterRows, clusterStreamRows } from "./measure/cluster-rows.ts";
import { CLUSTER_STREAMS, measureClusterStreams } from "./measure/cluster-streams.ts";
import { measureConnector } from "./measure/connector-suite.ts";
import { DOORS, measureDoors } from "./measure/doors.ts";
import { MESH, measureMesh } from "./measure/mesh.ts";
import {
  bestOf,
  defaultStoreRow,
  frameworkShareRows,
  measureRelay,
  measureRoundTripsOn,
  measureStreamsOn,
  RELAY_ROUNDS,
  relayRows,
  workerdRows,
} from "./measure/relay.ts";
import { ROUND_TRIP, type RoundTripResult } from "./measure/round-trip.ts";
import { measureSandboxExec, SANDBOX_EXEC } from "./measure/sandbox-exec.ts";
import { STREAMING } from "./measure/streaming.ts";

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const SECTIONS = ["relay", "capacity", "async", "doors", "a2a", "mesh", "sandbox", "cluster", "connector"];
const only = new Set((argument("only") ?? SECTIONS.join(",")).split(","));
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

const machine = machineInfo();
const connectorMethod: string[] = [];
const loadAtStart = loadavg()[0]!;
try {
  if (only.has("relay")) {
    for (const runtime of localRuntimes) {
      // In each round the four relays run side by side and take turns (measureRoundTripsTogether); each keeps
      // its better round, so one process that came up slow does not decide a ratio either.
      const rounds: RoundTripResult[][] = [];
      for (let round = 1; round <= RELAY_ROUNDS; round++) {
        const measured = await attempt(`round trips on ${runtime} (round ${round})`, () =>
          measureRoundTripsOn([
            () => startFloorTarget(runtime),
            () => startFloorTarget(runtime, "hono"),
            () => startGatewayTarget(runtime),
            () => startGatewayTarget(runtime, { store: "fs" }),
          ]),
        );
        if (measured) rounds.push(measured);
      }
      const streams = await attempt(`streams on ${runtime}`, () =>
        measureStreamsOn(
          () => startFloorTarget(runtime),
          () => startGatewayTarget(runtime),
        ),
      );
      const [floor, honoFloor, gateway, fsGateway] = [0, 1, 2, 3].map((i) =>
        bestOf(rounds.map((r) => r[i]!)),
      );
      if (floor && gateway && streams)
        rows.push(
          ...relayRows(
            runtime,
            { roundTrip: gateway, streaming: streams.gateway },
            { roundTrip: floor, streaming: streams.floor },
          ),
        );
      if (floor && honoFloor && gateway) rows.push(...frameworkShareRows(runtime, gateway, honoFloor, floor));
      if (floor && fsGateway) rows.push(defaultStoreRow(runtime, fsGateway, floor));
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
    for (const runtime of localRuntimes) {
      const result = await attempt(
        `capacity: ${CAPACITY.agents.toLocaleString("en-US")} idle agents on ${runtime}`,
        () => measureCapacity(runtime),
      );
      if (result) rows.push(...capacityRows(result));
      // The target runtime also at a quarter of the fleet: does per-agent cost stay flat as the fleet grows?
      const quarter = Math.max(1000, Math.round(CAPACITY.agents / 4000) * 1000);
      if (result && runtime === "bun" && quarter < CAPACITY.agents) {
        const small = await attempt(
          `capacity scaling: ${quarter.toLocaleString("en-US")} idle agents on ${runtime}`,
          () => measureGateway(runtime, quarter),
        );
        if (small) rows.push(...scalingRows(runtime, { agents: quarter, gateway: small }, result));
        for (const { env } of BUN_SETTINGS) {
          const measured = await attempt(
            `capacity: ${CAPACITY.agents.toLocaleString("en-US")} idle agents on ${runtime}, with ${settingText(env)}`,
            () => measureGateway(runtime, CAPACITY.agents, env),
          );
          if (measured) rows.push(...settingRows(runtime, env, measured, result));
        }
      }
      if (result && CAPACITY.agents < TARGET_AGENTS) {
        notes.push(
          `Capacity on ${runtime}: measured with ${CAPACITY.agents.toLocaleString("en-US")} agents, not ${TARGET_AGENTS.toLocaleString("en-US")}: ` +
            `bench processes get at most ${CAPACITY.fileLimit.toLocaleString("en-US")} open files here (the hard limit; this container cannot raise it), and every agent socket is a file in the gateway. \`npm run bench:guest\` measures memory with the whole fleet in an emulated guest (bench/RESULTS.guest.md).`,
        );
      }
    }
  }
  if (only.has("async")) {
    for (const runtime of localRuntimes as LocalRuntime[]) {
      const tasks = await attempt(`async tasks on ${runtime} (fs store)`, () => measureAsyncTasks(runtime));
      if (!tasks) continue;
      notes.push(
        `Async tasks on ${runtime}: the first ${ASYNC.coldWindow} tasks of a fresh process ran at ${fmt.perSecond(tasks.coldPerSecond)}.`,
      );
      rows.push(...asyncRows(runtime, tasks));
    }
  }
  if (only.has("doors")) {
    for (const runtime of runtimes) {
      const start =
        runtime === "workerd" ? startWorkerdTarget : () => startGatewayTarget(runtime as LocalRuntime);
      const doors = await attempt(`MCP ask_agent vs /v1 on ${runtime}`, () => measureOn(start, measureDoors));
      if (doors) {
        rows.push(
          latencyRow(
            "MCP ask_agent round trip p50 (floor = /v1 JSON)",
            runtime,
            doors.mcp.p50Ms,
            doors.v1.p50Ms,
            1.3,
          ),
          latencyRow(
            "MCP ask_agent round trip p99 (floor = /v1 JSON)",
            runtime,
            doors.mcp.p99Ms,
            doors.v1.p99Ms,
            1.3,
          ),
        );
      }
    }
  }
  if (only.has("a2a")) {
    const starters: Array<[string, () => Promise<RelayTarget>]> = [
      ...localRuntimes.map((runtime): [string, () => Promise<RelayTarget>] => [
        runtime,
        () => startGatewayTarget(runtime),
      ]),
      ...(runtimes.includes("workerd")
        ? [["workerd", startWorkerdTarget] as [string, () => Promise<RelayTarget>]]
        : []),
    ];
    for (const [runtime, start] of starters) {
      const result = await attempt(`A2A door vs /v1 on ${runtime}`, () => measureOn(start, measureA2a));
      if (result) rows.push(...a2aRows(runtime, result));
    }
  }
  if (only.has("mesh")) {
    const mesh = await attempt("agents calling agents (agent-mesh mcp, inboxes) on bun", measureMesh);
    if (mesh) {
      const added = mesh.mcpStdio.p50Ms - mesh.v1.p50Ms;
      rows.push(
        row(
          "ask_agent via agent-mesh mcp (stdio) p50, added over /v1 JSON",
          "bun",
          fmt.ms(mesh.mcpStdio.p50Ms),
          fmt.ms(mesh.v1.p50Ms),
          `+${fmt.ms(added)}`,
          "≤ +2 ms",
          added <= 2,
        ),
        row(
          "Inbox messages sent + acknowledged/s, empty inbox (fs)",
          "bun",
          fmt.perSecond(mesh.inboxEmpty),
          "",
          "",
          "≥ 5,000/s",
          mesh.inboxEmpty >= 5000,
        ),
        row(
          `Inbox messages sent + acknowledged/s, ${MESH.backlog.toLocaleString("en-US")} unread waiting (fs)`,
          "bun",
          fmt.perSecond(mesh.inboxBacklog),
          "",
          `${Math.round((mesh.inboxBacklog / mesh.inboxEmpty) * 100)}% of empty`,
          "≥ 5,000/s and ≥ 90% of empty",
          mesh.inboxBacklog >= 5000 && mesh.inboxBacklog >= 0.9 * mesh.inboxEmpty,
        ),
      );
    }
  }
  if (only.has("sandbox")) {
    const exec = await attempt("exec agent round trip without and with --sandbox", measureSandboxExec);
    if (exec) {
      const added = exec.sandboxed.p50Ms - exec.plain.p50Ms;
      rows.push(
        row(
          "Exec agent round trip p50, --sandbox",
          "node",
          fmt.ms(exec.sandboxed.p50Ms),
          fmt.ms(exec.plain.p50Ms),
          `+${fmt.ms(added)}`,
          "≤ +30 ms",
          added <= 30,
        ),
        row(
          "Exec agent round trip p99, --sandbox",
          "node",
          fmt.ms(exec.sandboxed.p99Ms),
          fmt.ms(exec.plain.p99Ms),
          `+${fmt.ms(exec.sandboxed.p99Ms - exec.plain.p99Ms)}`,
          "",
          null,
        ),
      );
      notes.push(
        `Sandbox: fastest call ${fmt.ms(exec.sandboxed.minMs)} sandboxed vs ${fmt.ms(exec.plain.minMs)} plain ` +
          `(+${fmt.ms(exec.sandboxed.minMs - exec.plain.minMs)}); load average ${exec.loadAverage.toFixed(1)} at the end ` +
          "of the run. Each sandboxed call of the exec agent (no host allowed) runs the runtime's wrap (a `which` and a ripgrep " +
          "process) and starts bubblewrap and the seccomp helper (no network relays, no shells). The connectors held " +
          `${exec.sandboxedRssMb.toFixed(0)} MB (--sandbox) and ${exec.plainRssMb.toFixed(0)} MB after the calls; each ` +
          "of those processes is a fork of the connector, which costs more the more it holds (docs/adapters.md, exec).",
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
    const streams = await attempt(
      `cluster: ${CLUSTER_STREAMS.streams.toLocaleString("en-US")} concurrent streams over 3 bun nodes`,
      measureClusterStreams,
    );
    if (streams) {
      rows.push(...clusterStreamRows(streams));
      for (const failure of streams.failures) notes.push(`Cluster streams: a failed call: ${failure}`);
    }
    const idle = await attempt(
      `cluster: ${CLUSTER_IDLE.agents.toLocaleString("en-US")} idle agents over 3 bun nodes`,
      measureClusterIdle,
    );
    if (idle) rows.push(...clusterIdleRows(idle));
  }
  if (only.has("connector")) {
    const suite = await attempt("the connector (installed package)", () =>
      measureConnector((what) => console.error(`  · ${what}`)),
    );
    if (suite) {
      rows.push(...suite.rows);
      notes.push(...suite.notes);
      connectorMethod.push(...suite.method);
    }
  }
} finally {
  await stopAll();
}

const method = [
  `Floor: bench/floor/<runtime>.ts, one HTTP route and one WebSocket on the runtime's own server (Bun.serve, Deno.serve, node:http + ws); it parses each agent frame once and forwards it, with no auth, storage, validation or timers. The floor behind Hono (bench/floor/hono-app.ts) is the same floor with its one route in a Hono app on the adapter the gateway's entry uses (app.fetch on Bun.serve and Deno.serve, @hono/node-server on Node): the time every Hono app pays on that runtime. Gateways run the real entries (runtimes/<name>/main.ts) with the memory store for the relay rows, and once more with the fs store, the default (sync always), for the row that says so. Round trips: in each of ${RELAY_ROUNDS} rounds the floor, the floor behind Hono and both gateways are started side by side, taking turns in ${ROUND_TRIP.slices} slices each (the warm-up, then sequential, then concurrent), each turn starting one relay further on, so all of them see the same minutes of the machine; the processes are ${latencyPlacement()}; each row keeps each side's better round (lowest latency, highest rate). Streams: the floor and the gateway run side by side and take turns, one run each, ${STREAMING.runs} runs after a warm-up; each side's median.`,
  `Agent: one Node process (bench/agents/bench-agent.ts) with the real protocol client (connector/src/client/agent-client.ts) drives floor and gateway alike; load: node:http keep-alive from the orchestrator process. Everything on 127.0.0.1; all processes share the machine's cores.`,
  `Round trip: JSON POST, the agent answers with one chunk and done; ${ROUND_TRIP.warmup} warm-up calls (at most ${ROUND_TRIP.warmupMs / 1000} s), then up to ${ROUND_TRIP.requests} calls (or ${ROUND_TRIP.maxMs / 1000} s) sequential and at ${ROUND_TRIP.concurrency} concurrent.`,
  `Streaming: one SSE request; the agent streams ${STREAMING.chunks.toLocaleString("en-US")} chunks of 64–256 bytes; timed at the caller from request to end of body; median of ${STREAMING.runs} runs after one warm-up run. MB/s counts chunk payload (10^6 bytes).`,
  `Capacity: ${CAPACITY.agents.toLocaleString("en-US")} raw WebSocket clients from ${Math.ceil(CAPACITY.agents / CAPACITY.perProcess)} Bun processes (bench/agents/lean-agents.ts over raw-websocket.ts: Bun's native TCP client, one set of handlers for every socket, speaking just enough of RFC 6455, so the generators take less of the two cores the server shares with them: 69–80 µs of CPU per connect in scratch waves, against 107–161 µs over Bun's node:net and about 200 µs over Node's; their CPU per connect is reported beside the server's; ${CAPACITY.openingAtOnce} handshakes in flight per process, spread over ${CAPACITY.sourceAddresses.length} loopback source addresses, each socket from a source port of its own choosing, not the kernel's, whose search for a free port grows with the sockets bound) send hello and ping every heartbeat (15 s); first to the floor (a bare WebSocket server answering hello and ping), then to the gateway (fs store, sync always, one user token, ${CAPACITY.agents.toLocaleString("en-US")} agents created through the API first, then the gateway restarted, so it connects them as a fresh process like the floor). RSS: VmRSS after all are welcomed and one heartbeat passed, minus before connecting, per agent. Connect rate: agents ÷ (last welcome − first open). Idle CPU: CPU time over one heartbeat with everyone connected. Restart settle: SIGTERM, start again on the same port and data dir, time from the signal until every agent is welcomed again (the generators reconnect with the connector's backoff, connector/src/client/backoff.ts). Bench processes ask for an open-files limit of 262,144 (bench/lib/processes.ts; only a process allowed to raise its hard limit gets it); the agent count is capped by what they get. Bun, Deno and Node are each measured this way; the targets are for Bun. On Bun the gateway is measured ${BUN_SETTINGS.length} more times, the same way, each started with one setting: ${BUN_SETTINGS.map(({ env, what }) => `${settingText(env)} (${what})`).join(", ")}; see docs/capacity.md. Their floor column is the default gateway of the same run.`,
  `Durable tasks: fs store with AGENT_MESH_FS_SYNC=always (each 202 is answered once the journal's batch is on disk: one write with O_DSYNC on Bun and Node, a write and an fdatasync on Deno; concurrent tasks share one), agents never connected, ${ASYNC.senders} concurrent senders (autocannon, which costs the shared cores about a third of node:http's CPU per request); ${ASYNC.warmup.toLocaleString("en-US")} warm-up tasks to another agent (Bun's JIT keeps speeding this path up for about 25,000 requests; a shorter warm-up made the first window, not the backlog, the slow one). Backlog 0: ${ASYNC.rounds} windows of ${ASYNC.window.toLocaleString("en-US")} tasks, each to an agent with an empty queue; backlog ${ASYNC.backlog.toLocaleString("en-US")}: a second gateway, warmed up the same way, with one agent's queue filled to that, then ${ASYNC.rounds} windows of ${ASYNC.window.toLocaleString("en-US")} more to that agent, each taking its turn after a backlog-0 window; each row keeps its best window. Journal syncs/s: fsync + fdatasync calls of the server process during the same window, and its writes to files it holds open with O_DSYNC, counted with perf stat on the syscall tracepoints; CPU per task: utime + stime of the server process over the window ÷ tasks. The per-token rate limit counts every task (set high enough never to trigger); its count is written with the tasks, never synced on its own. Floor: the floor server of the same runtime with its durable intake (bench/floor/journal.ts: one JSON line per task, group commit over zero-filled space, synced as the gateway's journal on the same runtime, then 202; no auth, index, queue or commit lines), running beside the gateway under the same senders: ${ASYNC.floorWarmup.toLocaleString("en-US")} warm-up tasks, then ${ASYNC.rounds} windows of ${ASYNC.window.toLocaleString("en-US")}, taking turns with the gateway's backlog-0 windows; its best window. The floor behind Hono: the same floor with its callers served through its Hono app (bench/floor/hono-app.ts, the gateway's adapter on each runtime), warmed up and measured the same way in the same turns: what the framework costs a durable task, apart from the gateway's own work. On Bun a third gateway started with ${KEEP_FREED_MEMORY_SETTING} (warmed up the same way) takes a turn after each backlog-0 window of the default one, to agents with empty queues; its best window is compared with the default gateway's.`,
  `Doors: the same gateway and agent; sequential calls after ${DOORS.warmup} warm-up calls each, up to ${DOORS.requests} calls (or ${DOORS.maxMs / 1000} s) each, the two doors taking turns in 10 slices, warm-up included. MCP: the 2026-07-28 tools/call the SDK client sends (with a progress token, answered as SSE) on /mcp; floor column: a /v1 JSON call to the same agent. Every call passes the per-token rate limit (set high enough never to trigger).`,
  `Mesh: Bun gateway on the fs store with the bench echo agent; ask_agent through a real \`agent-mesh mcp\` process (MCP SDK client over stdio; the connector package built and installed as in the connector rows, on Node, no TypeScript loader) vs a /v1 JSON call, ${MESH.requests} sequential calls each after ${MESH.warmup} warm-up calls, taking turns in 10 slices, warm-up included. Inbox: ${MESH.senders} concurrent senders (autocannon) put ${MESH.inboxMessages.toLocaleString("en-US")} messages in an inbox, then fetch (100 at a time) and acknowledge them all; on one gateway with nothing else stored, on a second one after ${MESH.backlog.toLocaleString("en-US")} unread messages were left in another inbox; the two take turns, ${MESH.inboxRounds} rounds each after ${MESH.inboxWarmupRounds} warm-up rounds, and each row keeps its best round.`,
  `A2A door: the gateway relay setup (memory store, bench agent "echo"); "floor" is our own /v1 on the same gateway. Round trip: JSON-RPC SendMessage (blocking; a durable task) vs the /v1 JSON call, ${A2A.warmup} warm-up calls each, then up to ${A2A.requests} sequential calls each. Streaming: REST message:stream vs /v1 SSE, ${A2A.chunks.toLocaleString("en-US")} chunks, median of ${A2A.runs} runs after a warm-up run.`,
  `Sandbox: the path users take: \`agent-mesh connect exec --sandbox -- cat\` from the installed connector package (as in the connector rows: Node, no TypeScript loader), against \`agent-mesh connect exec -- cat\` (the floor column), each connected to a Bun gateway of its own (memory store) and called with /v1 JSON calls over node:http, so the gateway and HTTP count on both sides; up to ${SANDBOX_EXEC.requests} sequential calls (or ${SANDBOX_EXEC.maxMs / 1000} s) each after ${SANDBOX_EXEC.warmup} warm-up calls, the two taking turns in ${SANDBOX_EXEC.slices} slices (bubblewrap, socat, ripgrep; the same per-caller policy as any sandboxed connect).`,
  "Cluster: two Bun nodes (AGENT_MESH_CLUSTER=redis, redis store) on one local redis-server, the bench agent on node A; the round-trip and streaming measurements above with the caller on node A (same node; in cluster mode that call also goes through the Redis output log) and on node B (cross-node). The floor column holds the same-node figure.",
  `Cluster streams: three Bun nodes on one redis-server; ${CLUSTER_STREAMS.nodes * CLUSTER_STREAMS.agentsPerNode} bench agents (${CLUSTER_STREAMS.agentsPerNode} connected to each node, one Node process with the real protocol client, bench/agents/stream-agents.ts); after a warm-up call from every node to every agent, ${CLUSTER_STREAMS.streams.toLocaleString("en-US")} SSE calls start at once (node:http, keep-alive), the caller's node and the agent varying independently (two thirds cross nodes), each streaming ${CLUSTER_STREAMS.chunks} chunks of 64–256 bytes. A call fails on a status other than 200, a missing chunk, an error event or no done. Time to last chunk: request to end of body, per call. Chunks/s: every chunk of the successful calls ÷ first request to last body end.`,
  `Cluster idle agents: three Bun nodes on one redis-server; ${CLUSTER_IDLE.agents.toLocaleString("en-US")} agents created through the API (on node 1, which is then restarted, so every node is a fresh process when its agents connect), then raw WebSocket clients (bench/agents/lean-agents.ts, one generator per node, a third of the agents each, ${CLUSTER_IDLE.openingAtOnce} handshakes in flight, ${CLUSTER_IDLE.sourceAddresses.length} loopback source addresses) say hello to their node and ping every heartbeat (15 s). RSS per agent: each node's VmRSS after every socket is welcomed and one full heartbeat passed, minus before connecting, ÷ its agents; it includes whatever garbage the node has not collected yet (presence costs a node one heartbeat and an audit of at most 100 claims a second, not a refresh of every claim). Redis memory per agent: INFO memory used_memory at the same two moments ÷ all agents (presence: home key, epoch, the node's agent set). Idle CPU (each node, and Redis) and Redis commands/s (INFO stats total_commands_processed, commands inside scripts included): over that heartbeat.`,
  ...connectorMethod,
];
// Other work on a shared machine skews absolute numbers (ratios less so): say how busy it was.
notes.push(
  `Machine load (1-min average on ${cpus().length} cores): ${loadAtStart.toFixed(1)} at the start of the run, ` +
    `${loadavg()[0]!.toFixed(1)} at the end${loadAtStart > cpus().length || loadavg()[0]! > cpus().length ? "; other work ran concurrently" : ""}.`,
);
const output = table(rows);
console.log(`\n${output}\n`);
for (const note of notes) console.log(`- ${note}`);
const partial = only.size < SECTIONS.length || runtimes.length < 4 || process.env.BENCH_AGENTS !== undefined;
const file = partial ? "RESULTS.partial.md" : "RESULTS.md";
writeFileSync(join(ROOT, "bench", file), resultsMarkdown(machine, rows, notes, method));
console.log(`\nwrote bench/${file}`);
process.exit(failed ? 1 : 0);
