/**
 * `npm run bench:guest`: RSS per idle agent with the whole fleet, 100,000 agents on one gateway, for hosts
 * whose open-files hard limit keeps `npm run bench` below it (every agent socket is a file of the gateway process,
 * and only a process allowed to raise its hard limit can hold 100,000). It boots an emulated guest
 * (bench/guest/boot.sh) where the limit is raised, and measures there, floor and gateway, on Bun and Node.
 *
 * Only memory is compared with the targets: the guest emulates its CPU, so connect rates and CPU times are some 40
 * times the host's. They are reported for the gateway ÷ floor ratio only. For the same reason the agents are asked
 * to ping every 120 s rather than 15 s (floor and gateway alike): 100,000 pings every 15 s is more than the emulated
 * CPUs carry. How often an idle socket pings does not change what it holds.
 *
 * Steps: on the host, a Bun gateway on the fs store creates the agents through the API (under a minute
 * here, most of an hour emulated); in the guest, per runtime, the floor and then the gateway (a fresh process on a copy of that data
 * directory) get the fleet (bench/measure/capacity.ts, the same measurement as `npm run bench`); on Bun the
 * gateway once more, started with the allocator setting that keeps freed memory (`KEEP_FREED_MEMORY`). Writes
 * bench/RESULTS.guest.md, or bench/RESULTS.guest.partial.md (git ignores it) for fewer runtimes or agents. Needs
 * root; installs qemu, busybox and a kernel with apt-get when they are missing.
 *
 *   npm run bench:guest [-- --runtimes=bun,node] [-- --agents=100000]
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { machineInfo } from "./lib/machine.ts";
import { killAllNow, ROOT, stopAll } from "./lib/processes.ts";
import { apiPost } from "./lib/relay-target.ts";
import { fmt, type Row, resultsMarkdown, row, table } from "./lib/report.ts";
import { type LocalRuntime, startFloor, startGateway } from "./lib/servers.ts";
import {
  CAPACITY,
  createAgents,
  KEEP_FREED_MEMORY,
  KEEP_FREED_MEMORY_SETTING,
  measureServer,
  type Pace,
  type ServerCapacity,
  TARGET_AGENTS,
} from "./measure/capacity.ts";
import { idleCpuRow } from "./measure/capacity-rows.ts";

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const GUEST_HEARTBEAT_MS = 120_000;
const DEFAULT_RUNTIMES: LocalRuntime[] = ["bun", "node"];
/**
 * The emulated guest connects some 40 times slower than the host: 100,000 agents took about 4 minutes on Bun's
 * gateway there and about 25 on Node's, so the wait allows twice that.
 */
const GUEST_PACE: Pace = { heartbeatMs: GUEST_HEARTBEAT_MS, connectTimeoutMs: 60 * 60_000 };
const ADMIN_TOKEN = `bench-admin-${Math.random().toString(36).slice(2)}`;

interface Prepared {
  agents: number;
  adminToken: string;
  token: string;
  runtimes: LocalRuntime[];
}

/** One server's figures, and the load generator processes its fleet took (the guest's limits decide). */
type Measured = ServerCapacity & { generators: number };

interface GuestResult {
  runtime: LocalRuntime;
  floor: Measured;
  gateway: Measured;
  /** Bun only: the gateway again, started with `KEEP_FREED_MEMORY` (what the allocator keeps with the full fleet). */
  keptMemory?: Measured;
}

process.on("exit", killAllNow);

if (process.argv[2] === "--in-guest") await inGuest(process.argv[3]!);
else await onHost();

/** Host side: install what is missing, create the agents, boot the guest, write the results. */
async function onHost(): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error("bench:guest boots qemu with the host's root: run it as root");
  installMissing();
  const agents = Number(argument("agents") ?? TARGET_AGENTS);
  const runtimes = (argument("runtimes")?.split(",") ?? DEFAULT_RUNTIMES) as LocalRuntime[];
  // Not under /tmp: the guest mounts a tmpfs of its own there.
  const shared = mkdtempSync(join(existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), "agent-mesh-guest-"));
  try {
    const token = await prepareAgents(join(shared, "data"), agents);
    const prepared: Prepared = { agents, adminToken: ADMIN_TOKEN, token, runtimes };
    writeFileSync(join(shared, "prepared.json"), JSON.stringify(prepared));
    writeFileSync(
      join(shared, "run.sh"),
      `cd '${ROOT}' && '${process.execPath}' --import tsx bench/guest.ts --in-guest /guest-out\n`,
    );
    const code = await new Promise<number | null>((resolve, reject) => {
      const boot = spawn("bash", [join(ROOT, "bench/guest/boot.sh"), shared], { stdio: "inherit" });
      boot.once("error", reject);
      boot.once("exit", resolve);
    });
    // A runtime that failed in the guest still leaves the ones measured before it.
    const resultsFile = join(shared, "results.json");
    const results = existsSync(resultsFile)
      ? (JSON.parse(readFileSync(resultsFile, "utf8")) as GuestResult[])
      : [];
    if (results.length > 0) writeResults(prepared, results, code === 0 ? null : code);
    if (code !== 0) throw new Error(`the guest run failed (exit code ${code}); see its output above`);
  } finally {
    rmSync(shared, { recursive: true, force: true });
  }
}

function installMissing(): void {
  const check = "command -v qemu-system-x86_64 && command -v busybox && ls /boot/vmlinuz-*";
  try {
    execFileSync("bash", ["-c", check], { stdio: "ignore" });
    return;
  } catch {
    console.error("… installing qemu-system-x86, busybox-static and linux-image-amd64 with apt-get");
  }
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync(
    "apt-get",
    [
      "install",
      "-y",
      "-qq",
      "--no-install-recommends",
      "qemu-system-x86",
      "busybox-static",
      "linux-image-amd64",
    ],
    { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } },
  );
}

/** A Bun gateway on the fs store in `dataDir` creates one user and `agents` agents through the API. */
async function prepareAgents(dataDir: string, agents: number): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  console.error(`… creating ${agents.toLocaleString("en-US")} agents on the host`);
  const gateway = await startGateway("bun", { store: "fs", dataDir, adminToken: ADMIN_TOKEN });
  try {
    const user = await apiPost(gateway.url, ADMIN_TOKEN, "/v1/tokens", { name: "capacity" });
    await createAgents(gateway.url, user.token, agents);
    return user.token as string;
  } finally {
    await gateway.stop();
  }
}

/** Guest side: per runtime, the floor and then the gateway with the whole fleet; results go to the shared folder. */
async function inGuest(shared: string): Promise<void> {
  const prepared = JSON.parse(readFileSync(join(shared, "prepared.json"), "utf8")) as Prepared;
  if (CAPACITY.fileLimit < prepared.agents + 1000) {
    throw new Error(`the guest's processes got only ${CAPACITY.fileLimit} open files`);
  }
  const heartbeatMs = String(GUEST_HEARTBEAT_MS);
  const results: GuestResult[] = [];
  try {
    for (const runtime of prepared.runtimes) {
      console.log(`… ${runtime}: floor, ${prepared.agents.toLocaleString("en-US")} agents`);
      const floorServer = await startFloor(runtime, "plain", { FLOOR_HEARTBEAT_MS: heartbeatMs });
      const floor = await measureAndStop(floorServer, "floor-token-ignored", prepared.agents);
      console.log(`… ${runtime}: gateway, ${prepared.agents.toLocaleString("en-US")} agents`);
      const gateway = await measureGatewayInGuest(runtime, shared, prepared);
      console.log(
        `  ${runtime}: ${fmt.kb(gateway.kbPerAgent)} per agent (floor ${fmt.kb(floor.kbPerAgent)})`,
      );
      let keptMemory: Measured | undefined;
      if (runtime === "bun") {
        console.log(`… bun: gateway with ${KEEP_FREED_MEMORY_SETTING}`);
        keptMemory = await measureGatewayInGuest(runtime, shared, prepared, KEEP_FREED_MEMORY);
        console.log(`  bun with ${KEEP_FREED_MEMORY_SETTING}: ${fmt.kb(keptMemory.kbPerAgent)} per agent`);
      }
      results.push({ runtime, floor, gateway, keptMemory });
      writeFileSync(join(shared, "results.json"), JSON.stringify(results));
    }
  } finally {
    await stopAll();
  }
}

/** The gateway with the whole fleet, a fresh process on its own copy of the journal the host wrote. */
async function measureGatewayInGuest(
  runtime: LocalRuntime,
  shared: string,
  prepared: Prepared,
  env: Record<string, string> = {},
): Promise<Measured> {
  const dataDir = mkdtempSync(join(tmpdir(), "agent-mesh-guest-data-"));
  try {
    cpSync(join(shared, "data"), dataDir, { recursive: true });
    const heartbeatMs = String(GUEST_HEARTBEAT_MS);
    const server = await startGateway(runtime, {
      store: "fs",
      dataDir,
      adminToken: prepared.adminToken,
      env: {
        AGENT_MESH_HEARTBEAT_MS: heartbeatMs,
        AGENT_MESH_GRACE_MS: String(2 * GUEST_HEARTBEAT_MS),
        ...env,
      },
      // Emulated, Node under tsx takes over a minute to load and replay the journal of 100,000 agents.
      startTimeoutMs: 10 * 60_000,
    });
    return await measureAndStop(server, prepared.token, prepared.agents);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureAndStop(
  server: Awaited<ReturnType<typeof startFloor>>,
  token: string,
  agents: number,
): Promise<Measured> {
  try {
    const { result, fleet } = await measureServer(server, token, agents, false, GUEST_PACE);
    await Promise.all(fleet.map((proc) => proc.stop()));
    return { ...result, generators: fleet.length };
  } finally {
    await server.stop();
  }
}

/**
 * The Bun gateway started with `KEEP_FREED_MEMORY`; its floor column is the default gateway of the same run. The
 * RSS before and after goes beside the per-agent figure: memory kept from replaying the journal is in the "before"
 * and is reused by the sockets, so the per-agent growth alone would flatter the setting.
 */
function keptMemoryRow(n: string, kept: Measured, base: Measured): Row {
  return row(
    `RSS per idle agent, ${n} agents, with ${KEEP_FREED_MEMORY_SETTING} (floor = the default gateway)`,
    "bun",
    `${fmt.kb(kept.kbPerAgent)} (${fmt.mb(kept.rssBeforeKb)} → ${fmt.mb(kept.rssAfterKb)})`,
    `${fmt.kb(base.kbPerAgent)} (${fmt.mb(base.rssBeforeKb)} → ${fmt.mb(base.rssAfterKb)})`,
    `${(kept.kbPerAgent / base.kbPerAgent).toFixed(2)}×`,
    "≤ 3 KB",
    kept.kbPerAgent <= 3,
  );
}

function writeResults(prepared: Prepared, results: GuestResult[], failedWith: number | null): void {
  const n = prepared.agents.toLocaleString("en-US");
  const rows: Row[] = results.flatMap(({ runtime, floor, gateway, keptMemory }) => [
    row(
      `RSS per idle agent, ${n} agents`,
      runtime,
      fmt.kb(gateway.kbPerAgent),
      fmt.kb(floor.kbPerAgent),
      `${(gateway.kbPerAgent / floor.kbPerAgent).toFixed(2)}×`,
      runtime === "bun" ? "≤ 3 KB" : "",
      runtime === "bun" ? gateway.kbPerAgent <= 3 : null,
    ),
    row(
      `RSS growth with ${n} agents connected`,
      runtime,
      `${fmt.mb(gateway.rssBeforeKb)} → ${fmt.mb(gateway.rssAfterKb)}`,
      `${fmt.mb(floor.rssBeforeKb)} → ${fmt.mb(floor.rssAfterKb)}`,
      "",
      "",
      null,
    ),
    row(
      "Connects/s, emulated (the ratio only)",
      runtime,
      fmt.perSecond(gateway.connectedPerSecond),
      fmt.perSecond(floor.connectedPerSecond),
      `${Math.round((gateway.connectedPerSecond / floor.connectedPerSecond) * 100)}%`,
      "",
      null,
    ),
    idleCpuRow(
      `Idle CPU over one heartbeat (${GUEST_HEARTBEAT_MS / 1000} s), emulated`,
      runtime,
      gateway,
      floor,
    ),
    ...(keptMemory ? [keptMemoryRow(n, keptMemory, gateway)] : []),
  ]);
  const method = [
    `${n} agents created through the API of a Bun gateway on the host (fs store), then, in a qemu guest (bench/guest/boot.sh: this machine's root read-only under a tmpfs overlay, open-files limit 1,048,576, the CPU emulated), per runtime: the floor (bench/floor/<runtime>.ts), then the gateway (runtimes/<runtime>/main.ts, fs store, sync always, a fresh process on a copy of the host's data directory) with the same raw WebSocket fleet as \`npm run bench\` (bench/agents/lean-agents.ts, ${results[0]!.gateway.generators} processes).`,
    `RSS per agent: VmRSS after every socket is welcomed and one heartbeat passed, minus before connecting, ÷ agents (bench/measure/capacity.ts). Heartbeat ${GUEST_HEARTBEAT_MS / 1000} s on both sides (15 s in production): emulated, 100,000 pings every 15 s would take more CPU than the guest has; an idle socket holds the same memory either way.`,
    `On Bun the gateway is measured a second time the same way, started with ${KEEP_FREED_MEMORY_SETTING} (mimalloc keeps freed memory instead of handing it back to the system; docs/capacity.md): what that costs in memory with the whole fleet. Its floor column is the default gateway of the same run.`,
    "Timings are emulated and some 40 times the host's: only the gateway ÷ floor ratio of a timing row means anything. Connect rate, CPU per connect and restart settle on real CPUs are in bench/RESULTS.md (with as many agents as the host's limit allows).",
  ];
  const measured = results.map((result) => result.runtime);
  const missing = prepared.runtimes.filter((runtime) => !measured.includes(runtime));
  const failure =
    failedWith === null ? "" : `; the run failed (exit code ${failedWith}) before ${missing.join(", ")}`;
  const notes = [
    `Measured in the guest: ${measured.join(", ")}${failure}. The host's open-files limit: ${machineInfo().fileLimit}.`,
  ];
  const markdown = resultsMarkdown(
    machineInfo(),
    rows,
    notes,
    method,
    "`npm run bench:guest` (bench/guest.ts)",
  );
  // A run with fewer runtimes or agents than the goes to a file git ignores, as `npm run bench` does.
  const full =
    prepared.agents === TARGET_AGENTS && DEFAULT_RUNTIMES.every((r) => prepared.runtimes.includes(r));
  const file = full ? "RESULTS.guest.md" : "RESULTS.guest.partial.md";
  writeFileSync(join(ROOT, "bench", file), markdown);
  console.log(`\n${table(rows)}\n\nwrote bench/${file}`);
}
