/**
 * Measurement 3: capacity of one node. N idle agents (100,000, or as many as the open-files limit allows) (bench/agents/lean-agents.ts, a few Bun processes) connect
 * to a gateway on the fs store (the default, sync always) and then to a floor (bench/floor/<runtime>.ts: a bare
 * WebSocket server answering hello and ping, nothing else) in the same run:
 *
 * - RSS per agent: the server's VmRSS after every socket is welcomed and one full heartbeat passed, minus before
 *   connecting, divided by N. The gateway is restarted after its N agents were created through the API, so both
 *   sides start connecting from a fresh process: creating the agents grows the heap, and sockets that settle into
 *   that room look cheaper than they are (the cluster bench saw 3.5 KB on the node the agents were created
 *   through and 8–9 KB on the others).
 * - Connect rate: N ÷ (latest welcome − first open attempt), hello → welcome, all generator processes together.
 * - Idle CPU: the server's CPU time over one heartbeat interval with everyone connected (pings, one sweep).
 * - Restart settle (gateway): SIGTERM (the gateway closes every socket with 1001), start again on the same port and
 *   data directory; the time from the stop signal until every agent is welcomed again, the agents reconnecting
 *   with the connector's jittered backoff.
 */
import { type LeanCounts, lastCountsIn } from "../agents/lean-counts.ts";
import { httpClient } from "../lib/http-load.ts";
import {
  type BenchProcess,
  childFileLimit,
  readCpuSeconds,
  readRssKb,
  readThreadCpuSeconds,
} from "../lib/processes.ts";
import { apiPost } from "../lib/relay-target.ts";
import {
  freePort,
  type LocalRuntime,
  type Server,
  startFloor,
  startGateway,
  startLeanAgents,
} from "../lib/servers.ts";

/**
 * Bun's allocator (mimalloc) keeping freed memory instead of handing it back to the system soon after: fewer
 * `madvise` calls and page faults in a connect burst, more memory per agent (docs/capacity-notes.md, "Trading memory
 * for speed on Bun"). Measured beside the default on Bun, in the capacity and the durable intake sections.
 */
export const KEEP_FREED_MEMORY = { MIMALLOC_PURGE_DELAY: "-1" };
/**
 * JavaScriptCore without its top compiler tier (FTL): in a fresh process the connect path is compiled to the DFG
 * tier only, which costs far less to compile; the code runs a little slower once hot (docs/capacity-notes.md, "Skipping
 * the top compiler tier on Bun"). Measured beside the default on Bun, in the capacity section.
 */
export const SKIP_TOP_JIT_TIER = { BUN_JSC_useFTLJIT: "0" };

/** Environment settings as they are written in a shell, for the rows and the method notes. */
export const settingText = (env: Record<string, string>): string =>
  Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
export const KEEP_FREED_MEMORY_SETTING = settingText(KEEP_FREED_MEMORY);

/** The settings the capacity section measures the Bun gateway with, each beside the default (its floor). */
export const BUN_SETTINGS = [
  { env: KEEP_FREED_MEMORY, what: "mimalloc keeps freed memory instead of returning it to the system" },
  { env: SKIP_TOP_JIT_TIER, what: "JavaScriptCore compiles no further than its DFG tier" },
];

/** The target fleet. */
export const TARGET_AGENTS = 100_000;
/**
 * Each socket is a file descriptor in the server and in a generator, so the fleet is capped by the open-files limit
 * the bench can give its children (1,000 kept for the server's own files). `BENCH_AGENTS` asks for fewer.
 */
const fileLimit = childFileLimit();
const agents = Math.min(
  Number(process.env.BENCH_AGENTS ?? TARGET_AGENTS),
  Math.floor((fileLimit - 1000) / 1000) * 1000,
);
export const CAPACITY = {
  agents,
  fileLimit,
  /** Sockets per generator process: at least two processes, each within the open-files limit. */
  perProcess: Math.min(fileLimit - 1000, Math.ceil(agents / 2)),
  /** Handshakes in flight per generator process: the servers' listen backlog (511) must not overflow. */
  openingAtOnce: 128,
  sourceAddresses: Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`),
  /** The gateway's production heartbeat; the idle window waits one full interval so every socket pings. */
  heartbeatMs: 15_000,
  settleMs: 3000,
  connectTimeoutMs: 300_000,
};

/**
 * How long a fleet may take to connect, and how long the idle window lasts (one heartbeat). The emulated guest of
 * bench/guest.ts runs everything about 40 times slower, so it passes a pace of its own.
 */
export type Pace = Pick<typeof CAPACITY, "heartbeatMs" | "connectTimeoutMs">;

export interface ServerCapacity {
  rssBeforeKb: number;
  rssAfterKb: number;
  kbPerAgent: number;
  connectedPerSecond: number;
  /** Server CPU time per connect (upgrade + hello → welcome), µs: what the rate would be on a core of its own. */
  cpuPerConnectUs: number;
  /**
   * Of `cpuPerConnectUs`, the event-loop thread's share: the one thread every request and frame goes through, so
   * what bounds the rate when the process has more than one core.
   */
  mainThreadCpuPerConnectUs: number;
  /** The rest of `cpuPerConnectUs` by thread kind (the JIT compiler's, the garbage collector's…), µs. */
  helperCpuPerConnectUs: Record<string, number>;
  /** The generators' CPU time per connect, µs: on two cores they and the server share, both bound the rate. */
  generatorCpuPerConnectUs: number;
  /** CPU share of one core used over one heartbeat interval with every agent connected and idle. */
  idleCpuPercent: number;
  pongs: number;
}

export interface CapacityResult {
  runtime: LocalRuntime;
  agents: number;
  gateway: ServerCapacity & { restartSettleSeconds: number; restartListeningSeconds: number };
  floor: ServerCapacity;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lastCounts(proc: BenchProcess): LeanCounts {
  return lastCountsIn(proc.output());
}

/** Starts the generator processes; resolves once all agents are welcomed, with the fleet's handles. */
async function connectFleet(
  url: string,
  token: string,
  size: number,
  reconnect: boolean,
  pace: Pace,
): Promise<BenchProcess[]> {
  const fleet: BenchProcess[] = [];
  const perProcess = Math.min(CAPACITY.perProcess, Math.ceil(size / 2));
  for (let first = 0; first < size; first += perProcess) {
    const options = {
      url,
      token,
      prefix: "idle-",
      first,
      count: Math.min(perProcess, size - first),
      sourceAddresses: CAPACITY.sourceAddresses,
      openingAtOnce: CAPACITY.openingAtOnce,
      reconnect,
    };
    fleet.push(startLeanAgents(`lean-${first}`, options));
  }
  await waitUntilAllWelcomed(fleet, size, 0, pace);
  return fleet;
}

/** Waits until every generator reports all its sockets welcomed in a status line printed after `since`. */
async function waitUntilAllWelcomed(
  fleet: BenchProcess[],
  size: number,
  since: number,
  pace: Pace = CAPACITY,
): Promise<void> {
  const deadline = Date.now() + pace.connectTimeoutMs;
  for (;;) {
    const counts = fleet.map(lastCounts);
    const welcomed = counts.reduce((sum, c) => sum + c.welcomed, 0);
    if (welcomed === size && counts.every((c) => c.lastWelcomeAt >= since)) return;
    if (Date.now() > deadline) {
      throw new Error(`only ${welcomed} of ${size} agents welcomed after ${pace.connectTimeoutMs} ms`);
    }
    await sleep(200);
  }
}

function fleetTotals(fleet: BenchProcess[]): LeanCounts {
  const counts = fleet.map(lastCounts);
  return {
    welcomed: counts.reduce((sum, c) => sum + c.welcomed, 0),
    everWelcomed: counts.reduce((sum, c) => sum + c.everWelcomed, 0),
    closed: counts.reduce((sum, c) => sum + c.closed, 0),
    pongs: counts.reduce((sum, c) => sum + c.pongs, 0),
    firstOpenAt: Math.min(...counts.map((c) => c.firstOpenAt)),
    lastWelcomeAt: Math.max(...counts.map((c) => c.lastWelcomeAt)),
    cpuAtFirstOpenMs: counts.reduce((sum, c) => sum + c.cpuAtFirstOpenMs, 0),
    cpuAtAllWelcomedMs: counts.reduce((sum, c) => sum + c.cpuAtAllWelcomedMs, 0),
  };
}

/** Connects the fleet to `server`, measures, and leaves the fleet connected (returned for the caller to stop). */
export async function measureServer(
  server: Server,
  token: string,
  size: number,
  reconnect: boolean,
  pace: Pace = CAPACITY,
): Promise<{ result: ServerCapacity; fleet: BenchProcess[] }> {
  await sleep(CAPACITY.settleMs);
  const rssBeforeKb = await readRssKb(server.process.pid);
  const threadsBeforeConnect = await readThreadCpuSeconds(server.process.pid);
  const cpuBeforeConnect = await readCpuSeconds(server.process.pid);
  const fleet = await connectFleet(server.url, token, size, reconnect, pace);
  try {
    const cpuPerConnectUs = (((await readCpuSeconds(server.process.pid)) - cpuBeforeConnect) / size) * 1e6;
    const { mainThreadCpuPerConnectUs, helperCpuPerConnectUs } = perThreadKind(
      threadsBeforeConnect,
      await readThreadCpuSeconds(server.process.pid),
      size,
    );
    const connected = fleetTotals(fleet);
    const generatorCpuMs = connected.cpuAtAllWelcomedMs - connected.cpuAtFirstOpenMs;
    const generatorCpuPerConnectUs = (generatorCpuMs / size) * 1000;
    const connectedPerSecond = size / ((connected.lastWelcomeAt - connected.firstOpenAt) / 1000);
    await sleep(CAPACITY.settleMs); // the connect burst's garbage and buffers settle
    const cpuBefore = await readCpuSeconds(server.process.pid);
    const idleStarted = performance.now();
    await sleep(pace.heartbeatMs);
    const cpuSeconds = (await readCpuSeconds(server.process.pid)) - cpuBefore;
    const idleCpuPercent = (cpuSeconds / ((performance.now() - idleStarted) / 1000)) * 100;
    const rssAfterKb = await readRssKb(server.process.pid);
    const totals = fleetTotals(fleet);
    if (totals.closed > 0)
      throw new Error(`${totals.closed} idle sockets were closed during the measurement`);
    return {
      fleet,
      result: {
        rssBeforeKb,
        rssAfterKb,
        kbPerAgent: (rssAfterKb - rssBeforeKb) / size,
        connectedPerSecond,
        cpuPerConnectUs,
        mainThreadCpuPerConnectUs,
        helperCpuPerConnectUs,
        generatorCpuPerConnectUs,
        idleCpuPercent,
        pongs: totals.pongs,
      },
    };
  } catch (error) {
    await Promise.all(fleet.map((proc) => proc.stop()));
    throw error;
  }
}

/** CPU per connect of the event-loop thread and of each other kind of thread (those under 1 µs left out). */
function perThreadKind(
  before: Map<string, number>,
  after: Map<string, number>,
  connects: number,
): Pick<ServerCapacity, "mainThreadCpuPerConnectUs" | "helperCpuPerConnectUs"> {
  const perConnect = (kind: string) => (((after.get(kind) ?? 0) - (before.get(kind) ?? 0)) / connects) * 1e6;
  const helperCpuPerConnectUs: Record<string, number> = {};
  for (const kind of after.keys()) {
    if (kind !== "main" && perConnect(kind) >= 1) helperCpuPerConnectUs[kind] = perConnect(kind);
  }
  return { mainThreadCpuPerConnectUs: perConnect("main"), helperCpuPerConnectUs };
}

async function measureFloor(runtime: LocalRuntime, size: number): Promise<ServerCapacity> {
  const floor = await startFloor(runtime);
  try {
    const { result, fleet } = await measureServer(floor, "floor-token-ignored", size, false);
    await Promise.all(fleet.map((proc) => proc.stop()));
    return result;
  } finally {
    await floor.stop();
  }
}

export async function createAgents(url: string, token: string, size: number): Promise<void> {
  const client = httpClient(url, token, 32);
  let created = 0;
  try {
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (created < size) {
          const res = await client.post("/v1/agents", JSON.stringify({ name: `idle-${created++}` }));
          if (res.status !== 201) throw new Error(`creating an agent: ${res.status} ${res.body}`);
        }
      }),
    );
  } finally {
    client.close();
  }
}

/** The gateway with `size` agents: connect, idle, restart settle. Exported for the scaling check (two sizes). */
export async function measureGateway(
  runtime: LocalRuntime,
  size: number,
  env: Record<string, string> = {},
): Promise<CapacityResult["gateway"]> {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dataDir = mkdtempSync(join(tmpdir(), "agent-mesh-capacity-"));
  const port = await freePort();
  const adminToken = `bench-admin-${Math.random().toString(36).slice(2)}`;
  const start = () => startGateway(runtime, { store: "fs", dataDir, port, adminToken, env });
  let gateway = await start();
  let fleet: BenchProcess[] = [];
  try {
    const user = await apiPost(gateway.url, adminToken, "/v1/tokens", { name: "capacity" });
    await createAgents(gateway.url, user.token, size);
    // A fresh process (the journal replayed), like the floor: see the RSS note at the top.
    await gateway.stop();
    gateway = await start();
    const measured = await measureServer(gateway, user.token, size, true);
    fleet = measured.fleet;

    const stopAt = Date.now();
    await gateway.stop();
    const restartedAt = Date.now();
    gateway = await start();
    const listeningAt = Date.now();
    await waitUntilAllWelcomed(fleet, size, restartedAt);
    const settledAt = fleetTotals(fleet).lastWelcomeAt;
    return {
      ...measured.result,
      restartSettleSeconds: (settledAt - stopAt) / 1000,
      restartListeningSeconds: (listeningAt - stopAt) / 1000,
    };
  } finally {
    await Promise.all(fleet.map((proc) => proc.stop()));
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function measureCapacity(
  runtime: LocalRuntime,
  size = CAPACITY.agents,
): Promise<CapacityResult> {
  const floor = await measureFloor(runtime, size);
  const gateway = await measureGateway(runtime, size);
  return { runtime, agents: size, gateway, floor };
}
