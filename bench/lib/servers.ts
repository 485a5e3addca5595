/**
 * Starts the servers under test: a gateway or a floor relay on Bun, Deno or Node, on a random loopback port.
 * Gateways run with production timings (not the tests' short ones), so heartbeats and sweeps cost what they
 * cost in real use.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchProcess, ROOT, startProcess } from "./processes.ts";

export type LocalRuntime = "bun" | "deno" | "node";
export const LOCAL_RUNTIMES: LocalRuntime[] = ["bun", "deno", "node"];

/** The same binaries the runtime contract suite uses, called directly so the PID is the server. */
const RUNTIME_COMMAND: Record<LocalRuntime, string[]> = {
  bun: [join(ROOT, "node_modules/bun/bin/bun.exe")],
  deno: [join(ROOT, "node_modules/deno/deno"), "run", "-A"],
  node: [process.execPath, "--import", "tsx"],
};

export interface Server {
  url: string;
  process: BenchProcess;
  stop(): Promise<void>;
}

export interface GatewayServer extends Server {
  adminToken: string;
}

const LISTENING = /listening on (http:\/\/[^\s]+)/;

/** A per-token limit the bench never reaches: the counting still runs on every call. */
export const BENCH_RATE_LIMIT = "1000000000/1h";

export async function startGateway(
  runtime: LocalRuntime,
  options: {
    store: "memory" | "fs";
    env?: Record<string, string>;
    /** Reuse this data directory (a restart); it is then left in place on stop. Default: a fresh temp dir. */
    dataDir?: string;
    port?: number;
    adminToken?: string;
    /** How long it may take to listen (an emulated guest replays a large journal slowly). */
    startTimeoutMs?: number;
  },
): Promise<GatewayServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "agent-mesh-bench-"));
  const adminToken = options.adminToken ?? `bench-admin-${Math.random().toString(36).slice(2)}`;
  const proc = startProcess(
    `gateway-${runtime}`,
    [...RUNTIME_COMMAND[runtime], `runtimes/${runtime}/main.ts`],
    {
      PORT: String(options.port ?? 0),
      HOST: "127.0.0.1",
      AGENT_MESH_STORE: options.store,
      AGENT_MESH_DATA_DIR: dataDir,
      AGENT_MESH_ADMIN_TOKEN: adminToken,
      // Counted on every call (so its cost is in the numbers) but never reached by the bench's load.
      AGENT_MESH_RATE_LIMIT: BENCH_RATE_LIMIT,
      ...options.env,
    },
  );
  const stop = async () => {
    await proc.stop();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [, url] = await proc.waitFor(LISTENING, options.startTimeoutMs);
    return { url: url!, adminToken, process: proc, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A port that was free a moment ago (for a server that must come back on the same port after a restart). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A floor relay; `http: "hono"` serves its callers through a Hono app (bench/floor/hono-app.ts). */
export async function startFloor(
  runtime: LocalRuntime,
  http: "plain" | "hono" = "plain",
  env: Record<string, string> = {},
): Promise<Server> {
  const proc = startProcess(`floor-${runtime}`, [...RUNTIME_COMMAND[runtime], `bench/floor/${runtime}.ts`], {
    PORT: "0",
    FLOOR_HTTP: http,
    ...env,
  });
  try {
    const [, url] = await proc.waitFor(LISTENING);
    return { url: url!, process: proc, stop: () => proc.stop() };
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

/** Starts a Node helper script from bench/ (agents, lean sockets) with tsx. */
export function startNodeScript(name: string, script: string, args: string[]): BenchProcess {
  return startProcess(name, [...RUNTIME_COMMAND.node, script, ...args]);
}

/**
 * Starts a generator of idle agents (bench/agents/lean-agents.ts). It runs on Bun, whose `node:net` costs about a
 * third less CPU per connect than Node's (140–150 µs against 200–215 µs at 19,000 sockets): the generators share
 * the machine's cores with the server they measure, so what they spend bounds the connect rate measured.
 */
export function startLeanAgents(name: string, options: object): BenchProcess {
  return startProcess(name, [...RUNTIME_COMMAND.bun, "bench/agents/lean-agents.ts", JSON.stringify(options)]);
}
