/**
 * Starts a throwaway `redis-server` (from PATH) on a free loopback port for one test file.
 * Without the binary it prints one loud SKIPPED line and returns null, unless REQUIRE_REDIS=1 (CI), where it throws.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { delimiter, join } from "node:path";

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** A Redis that can go away and come back on the same port with its data (append-only file, fsync always). */
export interface RestartableRedis extends RedisServer {
  /** Stops the server (SIGTERM: the AOF is complete); `start` brings it back. */
  halt(): Promise<void>;
  start(): Promise<void>;
  /** The server's PID (for SIGSTOP/SIGKILL tests). */
  pid(): number;
}

/** Like `startRedis`, for outage tests: data survives `halt()` / `start()` on the same port. */
export async function startRestartableRedis(): Promise<RestartableRedis | null> {
  if (!onPath("redis-server")) {
    if (process.env.REQUIRE_REDIS === "1") throw new Error("REQUIRE_REDIS=1 but redis-server is not on PATH");
    console.warn("SKIPPED: redis (install redis-server)");
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), "agent-mesh-redis-"));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let output = "";
  const start = async () => {
    if (child) return;
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"].concat([
        "--appendfsync",
        "always",
        "--dir",
        dir,
      ]),
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    try {
      await waitForPong(port, child);
    } catch (error) {
      throw new Error(`redis-server did not start: ${String(error)}\n${output}`);
    }
  };
  const halt = async () => {
    if (child) await stopChild(child);
    child = null;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    halt,
    start,
    pid: () => child?.pid ?? -1,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A Redis that keeps nothing on disk (no snapshots, no append-only file). `ownDir`: a folder of its own, removed at
 * `stop`, for a test that turns persistence on (`CONFIG SET appendonly yes` writes into the server's folder).
 */
export async function startRedis(options: { ownDir?: boolean } = {}): Promise<RedisServer | null> {
  if (!onPath("redis-server")) {
    if (process.env.REQUIRE_REDIS === "1") throw new Error("REQUIRE_REDIS=1 but redis-server is not on PATH");
    console.warn("SKIPPED: redis (install redis-server)");
    return null;
  }
  const dir = options.ownDir ? mkdtempSync(join(tmpdir(), "agent-mesh-redis-")) : tmpdir();
  // A free port can be taken between probing and binding; try again on a fresh one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    const stop = async () => {
      await stopChild(child);
      if (options.ownDir) rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitForPong(port, child);
      return { url: `redis://127.0.0.1:${port}`, stop };
    } catch (error) {
      await stopChild(child);
      if (attempt >= 3) {
        if (options.ownDir) rmSync(dir, { recursive: true, force: true });
        throw new Error(`redis-server did not start: ${String(error)}\n${output}`);
      }
    }
  }
}

function tmpdir(): string {
  return process.env.TMPDIR || "/tmp";
}

export function onPath(binary: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, binary)));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitForPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("redis-server did not answer PING within 10 s");
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.setTimeout(1000, () => socket.destroy());
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk;
      if (reply.includes("\r\n")) {
        socket.destroy();
        resolve(reply.startsWith("+PONG"));
      }
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
