/**
 * Starts a real gateway process (Bun, Deno, Node or workerd) on a random loopback port and stops it by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

export type RuntimeName = "bun" | "deno" | "node" | "workerd";

/** The command that runs each runtime's entry. Native binaries are called directly so the PID is the server. */
export const RUNTIME_COMMANDS: Record<Exclude<RuntimeName, "workerd">, string[]> = {
  bun: [join(ROOT, "node_modules/bun/bin/bun.exe"), "runtimes/bun/main.ts"],
  deno: [join(ROOT, "node_modules/deno/deno"), "run", "-A", "runtimes/deno/main.ts"],
  node: [process.execPath, "--import", "tsx", "runtimes/node/main.ts"],
};

export interface GatewayProcess {
  url: string;
  adminToken: string;
  dataDir: string;
  output: () => string;
  stop(): Promise<void>;
  /** Stops and starts the same runtime on the same data dir and port. */
  restart(): Promise<void>;
}

export const TEST_ENV = {
  AGENT_MESH_HEARTBEAT_MS: "400",
  AGENT_MESH_GRACE_MS: "1500",
  AGENT_MESH_HELLO_TIMEOUT_MS: "1000",
  AGENT_MESH_KEEPALIVE_MS: "300",
  AGENT_MESH_SYNC_TIMEOUT_MS: "5000",
};

export interface StartOptions {
  runtime: RuntimeName;
  store?: string;
  env?: Record<string, string>;
  dataDir?: string;
  port?: number;
}

export async function startGateway(options: StartOptions): Promise<GatewayProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "agent-mesh-gw-"));
  const adminToken = `test-admin-${Math.random().toString(36).slice(2)}`;
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;
  let log = "";

  async function launch(): Promise<string> {
    if (options.runtime === "workerd")
      throw new Error("workerd is started by tests/helpers/workerd-process.ts");
    const [command, ...args] = RUNTIME_COMMANDS[options.runtime];
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
    });
    return await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${log}`)), 20_000);
      const onData = (data: Buffer) => {
        log += data.toString();
        const match = /listening on (http:\/\/[^\s]+)/.exec(log);
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
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }

  const url = await launch();
  port = Number(new URL(url).port);
  const gateway: GatewayProcess = {
    url,
    adminToken,
    dataDir,
    output: () => log,
    async stop() {
      await stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await launch();
    },
  };
  return gateway;
}
