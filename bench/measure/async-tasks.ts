/**
 * Measurement 4: durable async tasks accepted per second on the fs store (sync `always`: every 202 is on disk),
 * with 32 concurrent senders (autocannon, bench/lib/request-blast.ts) and the agents offline so every task stays
 * queued. Measured from a backlog of 0, and on a second gateway where 100,000 tasks wait; the journal's syncs per
 * second are counted beside each rate (`fsync`/`fdatasync` calls, or writes to a journal opened `O_DSYNC`). The
 * warm-up goes to another agent, so each measured queue really starts empty. Then one sender alone: how long a caller waits for a 202 that is on disk, a journal
 * write and sync of its own per task.
 *
 * The floor is the same load on the floor server's durable intake (bench/floor/journal.ts): one line per task,
 * group commit, no auth, no index, no queue; a second floor serves its callers through Hono, as the gateway does, so
 * the rows split the gap into the framework's share and the gateway's own. Floor and gateway run side by side and take turns, `ASYNC.rounds`
 * windows each (the gateway's to a fresh agent each time), and each side keeps its best window, as the relay rows
 * do: on this kind of shared machine, two windows of the same server a minute apart differed by up to 2×. The
 * backlogged gateway takes its turn in the same rounds: measured after the others, as it once was, its row met
 * whatever the machine did then (Deno read 84% of backlog 0 in one full run and 99–117% in scratch runs). On Bun
 * another gateway, started with the allocator setting the capacity section measures (`KEEP_FREED_MEMORY`), takes
 * its turn at backlog 0 too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { httpClient, type LatencyStats, measureLatency } from "../lib/http-load.ts";
import { readCpuSeconds } from "../lib/processes.ts";
import { apiPost } from "../lib/relay-target.ts";
import { fmt, type Row, row } from "../lib/report.ts";
import { blast } from "../lib/request-blast.ts";
import { type LocalRuntime, startFloor, startGateway } from "../lib/servers.ts";
import { countSyncs } from "../lib/sync-counter.ts";
import { KEEP_FREED_MEMORY, KEEP_FREED_MEMORY_SETTING } from "./capacity.ts";

/**
 * Bun's JIT keeps getting faster on this path for about 25,000 requests (gateway CPU per task in windows of 5,000
 * from a fresh process, measured in process without HTTP: 72, 62, 55, 53, 43, 36, 32 µs, then flat; over HTTP the
 * same shape), Node and Deno for about 5,000. With the 10,000 warm-up
 * tasks this bench used to send, the "backlog 0" window still paid for Bun's warm-up and came out slower than the
 * "backlog 100,000" window measured later. So the warm-up is 30,000 tasks; its first 1000 are reported as the cold
 * rate.
 */
export const ASYNC = {
  senders: 32,
  warmup: 30_000,
  coldWindow: 1000,
  window: 10_000,
  backlog: 100_000,
  /** Tasks sent one at a time: each answer waits for its own journal sync. */
  oneByOne: 2000,
  /** The floor's JIT settles sooner: its path is a few small functions. */
  floorWarmup: 20_000,
  /**
   * Windows per side, taking turns (floor, gateway at backlog 0, gateway at the backlog). With 3, one full run
   * read Deno's backlog row at 69% of backlog 0 (CPU per task 71 against 50 µs), where scratch runs of the same
   * two gateways read 69–74 against 69–96 µs: the best of 3 windows (a second each) still caught the host's swings.
   */
  rounds: 5,
};

/** One measured window of one server. */
interface Window {
  perSecond: number;
  /** Syncs per second (bench/lib/sync-counter.ts); null when they could not be counted. */
  syncsPerSecond: number | null;
  /**
   * The server's CPU time per accepted task (µs): what the rate would be on a core of its own, and a figure that
   * holds when other work on the machine slows the rate down.
   */
  cpuPerTaskUs: number;
}

export interface AsyncTasksResult {
  /** The first tasks of a fresh process, before the JIT warmed up. */
  coldPerSecond: number;
  /** The gateway's best window from an empty queue, and at `ASYNC.backlog` waiting tasks. */
  empty: Window;
  full: Window;
  /** One sender: how long a caller waits for a 202 that is on disk. */
  oneByOne: LatencyStats;
  /** The floor's durable intake under the same load, its best window. */
  floor: Window;
  /** The same floor with its callers served through Hono (bench/floor/hono-app.ts), its best window. */
  honoFloor: Window;
  /** Bun: a second gateway started with `KEEP_FREED_MEMORY`, its best window at backlog 0 (taking turns too). */
  keptMemory?: Window;
}

const BODY = JSON.stringify({ message: "summarise the logs of last night", async: true });

/** A server's durable intake as the load sees it: where to send, with which token. */
interface Intake {
  url: string;
  token: string | null;
}

/** Sends `count` durable tasks to `path` from `ASYNC.senders` concurrent senders; resolves with tasks per second. */
function send(intake: Intake, path: string, count: number): Promise<number> {
  return blast({ ...intake, path, body: BODY, connections: ASYNC.senders, amount: count, status: 202 });
}

/** `send`, with the server's journal syncs and CPU time counted over the same window. */
async function measured(intake: Intake, pid: number, path: string, count: number): Promise<Window> {
  const counter = await countSyncs(pid);
  const cpuBefore = await readCpuSeconds(pid);
  const started = performance.now();
  const perSecond = await send(intake, path, count);
  const seconds = (performance.now() - started) / 1000;
  const cpuPerTaskUs = (((await readCpuSeconds(pid)) - cpuBefore) / count) * 1e6;
  const syncs = await counter.stop();
  return { perSecond, syncsPerSecond: syncs === null ? null : syncs / seconds, cpuPerTaskUs };
}

/** Of windows measured in turns, the quickest: the one least slowed down by other work on the machine. */
const best = (windows: Window[]): Window => windows.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));

/**
 * A floor server with its durable intake, where its load goes, and the windows measured on it. With `http: "hono"`
 * its callers go through a Hono app on the gateway's adapter (bench/floor/hono-app.ts): what the framework costs a
 * durable task, apart from the gateway's own work.
 */
async function startDurableFloor(runtime: LocalRuntime, http: "plain" | "hono" = "plain") {
  const dataDir = mkdtempSync(join(tmpdir(), "agent-mesh-bench-floor-"));
  const floor = await startFloor(runtime, http, { FLOOR_DATA_DIR: dataDir });
  const intake = { url: floor.url, token: null };
  const path = "/v1/agents/queue/messages";
  return {
    async warmUp() {
      await send(intake, path, ASYNC.floorWarmup);
    },
    window: () => measured(intake, floor.process.pid, path, ASYNC.window),
    async stop() {
      await floor.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A gateway measured beside the main one: started with `env`, warmed up as the main one. Each window goes to an
 * agent with an empty queue; with `backlog`, the warm-up then queues `ASYNC.backlog` tasks for one agent, and each
 * window goes to that agent.
 */
async function startSideGateway(
  runtime: LocalRuntime,
  env: Record<string, string>,
  options = { backlog: false },
) {
  const gateway = await startGateway(runtime, { store: "fs", env: { AGENT_MESH_FS_SYNC: "always", ...env } });
  try {
    const user = await apiPost(gateway.url, gateway.adminToken, "/v1/tokens", { name: "tasks" });
    const agents = ["warmup", "queue", ...Array.from({ length: ASYNC.rounds }, (_, i) => `empty-${i}`)];
    for (const name of agents) await apiPost(gateway.url, user.token, "/v1/agents", { name });
    const intake = { url: gateway.url, token: user.token };
    let round = 0;
    return {
      async warmUp() {
        await send(intake, "/v1/agents/warmup/messages", ASYNC.warmup);
        if (options.backlog) await send(intake, "/v1/agents/queue/messages", ASYNC.backlog);
      },
      window: () => {
        const agent = options.backlog ? "queue" : `empty-${round++}`;
        return measured(intake, gateway.process.pid, `/v1/agents/${agent}/messages`, ASYNC.window);
      },
      async stop() {
        await gateway.stop();
      },
    };
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

/** A server measured in turns beside the gateway: the floor, or a gateway started with other settings. */
type SideServer = Awaited<ReturnType<typeof startDurableFloor>>;

export async function measureAsyncTasks(runtime: LocalRuntime): Promise<AsyncTasksResult> {
  const floor = await startDurableFloor(runtime);
  /** Every side server started so far, stopped in reverse order whatever happens. */
  const started: SideServer[] = [floor];
  try {
    const honoFloor = await startDurableFloor(runtime, "hono");
    started.push(honoFloor);
    const backlogged = await startSideGateway(runtime, {}, { backlog: true });
    started.push(backlogged);
    // Bun: the allocator setting of the capacity section, which also changes what a task costs (docs/capacity.md).
    const kept = runtime === "bun" ? await startSideGateway(runtime, KEEP_FREED_MEMORY) : null;
    if (kept) started.push(kept);
    return await measureGateway(runtime, { floor, honoFloor, backlogged, kept });
  } finally {
    for (const side of started.reverse()) await side.stop();
  }
}

async function measureGateway(
  runtime: LocalRuntime,
  sides: { floor: SideServer; honoFloor: SideServer; backlogged: SideServer; kept: SideServer | null },
): Promise<AsyncTasksResult> {
  const { floor, honoFloor, backlogged, kept } = sides;
  const gateway = await startGateway(runtime, { store: "fs", env: { AGENT_MESH_FS_SYNC: "always" } });
  try {
    const user = await apiPost(gateway.url, gateway.adminToken, "/v1/tokens", { name: "tasks" });
    const agents = ["warmup", ...Array.from({ length: ASYNC.rounds }, (_, i) => `empty-${i}`)];
    for (const name of agents) await apiPost(gateway.url, user.token, "/v1/agents", { name });
    const intake = { url: gateway.url, token: user.token };
    // One sender at a time: node:http, as every latency row.
    const client = httpClient(gateway.url, user.token, 1);
    const pathOf = (agent: string) => `/v1/agents/${agent}/messages`;
    const pid = gateway.process.pid;
    try {
      await floor.warmUp();
      await honoFloor.warmUp();
      await backlogged.warmUp();
      await kept?.warmUp();
      const coldPerSecond = await send(intake, pathOf("warmup"), ASYNC.coldWindow);
      await send(intake, pathOf("warmup"), ASYNC.warmup - ASYNC.coldWindow);
      // To the warm-up agent too, so the measured queues still start empty.
      const oneByOne = await measureLatency(
        async () => {
          const res = await client.post(pathOf("warmup"), BODY);
          if (res.status !== 202) throw new Error(`async task refused: ${res.status} ${res.body}`);
        },
        { requests: ASYNC.oneByOne, concurrency: 1, maxMs: 30_000 },
      );
      const floorWindows: Window[] = [];
      const honoFloorWindows: Window[] = [];
      const emptyWindows: Window[] = [];
      const keptWindows: Window[] = [];
      const fullWindows: Window[] = [];
      for (let round = 0; round < ASYNC.rounds; round++) {
        floorWindows.push(await floor.window());
        honoFloorWindows.push(await honoFloor.window());
        emptyWindows.push(await measured(intake, pid, pathOf(`empty-${round}`), ASYNC.window));
        fullWindows.push(await backlogged.window());
        if (kept) keptWindows.push(await kept.window());
      }
      return {
        coldPerSecond,
        empty: best(emptyWindows),
        full: best(fullWindows),
        oneByOne,
        floor: best(floorWindows),
        honoFloor: best(honoFloorWindows),
        ...(kept && { keptMemory: best(keptWindows) }),
      };
    } finally {
      client.close();
    }
  } finally {
    await gateway.stop();
  }
}

/** A window's journal syncs: per second, tasks per sync, and the server's CPU per task. */
function syncsCell(window: Window, server: string): string {
  const { syncsPerSecond, perSecond, cpuPerTaskUs } = window;
  const syncs =
    syncsPerSecond === null
      ? "not counted (perf unavailable)"
      : `${fmt.perSecond(syncsPerSecond)} (${(perSecond / syncsPerSecond).toFixed(1)} tasks per sync)`;
  return `${syncs}; ${server} CPU ${cpuPerTaskUs.toFixed(0)} µs per task`;
}

/** Durable intake at an empty queue and at `ASYNC.backlog` waiting tasks, each with its journal syncs. */
export function asyncRows(runtime: string, tasks: AsyncTasksResult): Row[] {
  const { floor, honoFloor } = tasks;
  const empty = tasks.empty.perSecond;
  const full = tasks.full.perSecond;
  const backlog = ASYNC.backlog.toLocaleString("en-US");
  const kept = tasks.keptMemory;
  const keptRows = kept
    ? [
        row(
          `Durable tasks accepted/s, backlog 0, with ${KEEP_FREED_MEMORY_SETTING} (floor = the default gateway)`,
          runtime,
          `${fmt.perSecond(kept.perSecond)}; CPU ${kept.cpuPerTaskUs.toFixed(0)} µs per task`,
          `${fmt.perSecond(empty)}; CPU ${tasks.empty.cpuPerTaskUs.toFixed(0)} µs per task`,
          `${Math.round((kept.perSecond / empty) * 100)}%`,
          "",
          null,
        ),
      ]
    : [];
  return [
    row(
      "Durable tasks accepted/s, backlog 0",
      runtime,
      fmt.perSecond(empty),
      fmt.perSecond(floor.perSecond),
      `${Math.round((empty / floor.perSecond) * 100)}%`,
      "≥ 10,000/s",
      empty >= 10_000,
    ),
    row(
      "Journal syncs/s, backlog 0",
      runtime,
      syncsCell(tasks.empty, "gateway"),
      syncsCell(floor, "floor"),
      "",
      "",
      null,
    ),
    row(
      "Durable tasks accepted/s, backlog 0: the floor behind Hono (floor = plain floor)",
      runtime,
      `${fmt.perSecond(honoFloor.perSecond)}; CPU ${honoFloor.cpuPerTaskUs.toFixed(0)} µs per task`,
      `${fmt.perSecond(floor.perSecond)}; CPU ${floor.cpuPerTaskUs.toFixed(0)} µs per task`,
      `${Math.round((honoFloor.perSecond / floor.perSecond) * 100)}%`,
      "",
      null,
    ),
    row(
      "Durable tasks accepted/s, backlog 0: gateway (floor = the floor behind Hono)",
      runtime,
      `${fmt.perSecond(empty)}; CPU ${tasks.empty.cpuPerTaskUs.toFixed(0)} µs per task`,
      `${fmt.perSecond(honoFloor.perSecond)}; CPU ${honoFloor.cpuPerTaskUs.toFixed(0)} µs per task`,
      `${Math.round((empty / honoFloor.perSecond) * 100)}%`,
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
    row(`Journal syncs/s, backlog ${backlog}`, runtime, syncsCell(tasks.full, "gateway"), "", "", "", null),
    row(
      "Durable task p50 / p99, one sender (202 on disk)",
      runtime,
      `${fmt.ms(tasks.oneByOne.p50Ms)} / ${fmt.ms(tasks.oneByOne.p99Ms)}`,
      "",
      "",
      "",
      null,
    ),
    ...keptRows,
  ];
}
