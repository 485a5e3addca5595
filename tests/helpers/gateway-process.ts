/**
 * Starts a real gateway process (Bun, Deno, Node or workerd) on a random loopback port and stops it by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

export type RuntimeName = "bun" | "deno" | "node" | "workerd";

/**
 * The command that runs each runtime's entry. Native binaries are called directly so the PID is the server.
 * workerd runs under `wrangler dev` (Node, then workerd children), so it gets its own process group, stopped whole.
 */
export const RUNTIME_COMMANDS: Record<RuntimeName, string[]> = {
  bun: [join(ROOT, "node_modules/bun/bin/bun.exe"), "runtimes/bun/main.ts"],
  deno: [join(ROOT, "node_modules/deno/deno"), "run", "-A", "runtimes/deno/main.ts"],
  node: [process.execPath, "--import", "tsx", "runtimes/node/main.ts"],
  workerd: [process.execPath, "runtimes/cloudflare/dev.mjs"],
};

export interface GatewayProcess {
  url: string;
  adminToken: string;
  dataDir: string;
  output: () => string;
  /** Sends a signal to the server process (cluster tests: SIGKILL, SIGSTOP, SIGCONT). */
  signal(name: NodeJS.Signals): void;
  stop(): Promise<void>;
  /** Stops and starts the same runtime on the same data dir and port; `whileDown` runs in between. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

export const TEST_ENV = {
  AGENT_MESH_HEARTBEAT_MS: "400",
  AGENT_MESH_GRACE_MS: "1500",
  AGENT_MESH_HELLO_TIMEOUT_MS: "1000",
  AGENT_MESH_KEEPALIVE_MS: "300",
  AGENT_MESH_SYNC_TIMEOUT_MS: "5000",
  // A stream whose caller left runs on this long for a re-attach, then is canceled.
  AGENT_MESH_RESUME_MS: "1000",
  // The callback tests listen on 127.0.0.1; gateways refuse private callback hosts by default.
  AGENT_MESH_ALLOW_PRIVATE_CALLBACKS: "1",
};

export interface StartOptions {
  runtime: RuntimeName;
  store?: string;
  env?: Record<string, string>;
  dataDir?: string;
  port?: number;
  /** Starts the server under this open-files limit (soft and hard: lowering needs no privilege). */
  openFiles?: number;
}

export async function startGateway(options: StartOptions): Promise<GatewayProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "agent-mesh-gw-"));
  const adminToken = `test-admin-${Math.random().toString(36).slice(2)}`;
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;
  let log = "";
  const grouped = options.runtime === "workerd";

  async function launch(): Promise<string> {
    // After a restart the log still holds the previous run's "listening" line; only this run's output counts.
    const logStart = log.length;
    const runtimeCommand = RUNTIME_COMMANDS[options.runtime];
    // `exec` keeps the server's PID the child's, so stopping by PID still reaches the server.
    const [command, ...args] =
      options.openFiles === undefined
        ? runtimeCommand
        : ["bash", "-c", `ulimit -n ${options.openFiles} && exec "$@"`, "gateway", ...runtimeCommand];
    child = spawn(command!, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        ...TEST_ENV,
        PORT: String(port),
        HOST: "127.0.0.1",
        AGENT_MESH_ADMIN_TOKEN: adminToken,
        AGENT_MESH_STORE: options.store ?? "memory",
        AGENT_MESH_DATA_DIR: dataDir,
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: grouped,
    });
    return await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${log}`)), 20_000);
      const onData = (data: Buffer) => {
        log += data.toString();
        const match = /listening on (http:\/\/[^\s]+)/.exec(log.slice(logStart));
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]!);
        }
      };
      child!.stdout!.on("data", onData);
      child!.stderr!.on("data", (data: Buffer) => {
        log += data.toString();
      });
      child!.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited with ${code}:\n${log}`));
      });
    });
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    const signal = (name: NodeJS.Signals) => {
      try {
        if (grouped) process.kill(-proc.pid!, name);
        else proc.kill(name);
      } catch {
        // Already gone.
      }
    };
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
    if (grouped) await reapGroup(proc.pid!);
  }

  const url = await launch();
  port = Number(new URL(url).port);
  const gateway: GatewayProcess = {
    url,
    adminToken,
    dataDir,
    output: () => log,
    signal(name) {
      child?.kill(name);
    },
    async stop() {
      await stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async restart(whileDown) {
      await stop();
      await whileDown?.();
      await launch();
    },
  };
  return gateway;
}

/** Waits until no process of the group is left (workerd may outlive its wrangler parent by a moment). */
async function reapGroup(pgid: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    if (i === 30) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
