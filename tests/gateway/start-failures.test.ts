/**
 * A gateway start that fails (a busy port, a PORT that is no port, a setting it refuses) on the real Bun, Deno and
 * Node entries and `agent-mesh gateway`: it ends with exit status 1 and one line on stderr (no stack trace, no
 * source excerpt), and it has not printed, nor used up, the admin token: the next start on the same data folder
 * prints one, and that token works.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupCli, freshHome, runCli, spawnCli } from "../cli/helpers.ts";
import {
  ROOT,
  RUNTIME_COMMANDS,
  type RuntimeName,
  startGateway,
  TEST_ENV,
} from "../helpers/gateway-process.ts";

const ADMIN_TOKEN = /Admin token[^\n]*\n\n\s+(\S+)/;
/** No admin token from the environment: the gateway generates one on a new store (the case that can be lost). */
const GENERATED_TOKEN = { AGENT_MESH_ADMIN_TOKEN: "" };

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a runtime's entry (as `startGateway` does) until it exits, with stdout and stderr apart. */
function startUntilExit(runtime: RuntimeName, env: Record<string, string>): Promise<Ended> {
  const [command, ...args] = RUNTIME_COMMANDS[runtime];
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      ...TEST_ENV,
      HOST: "127.0.0.1",
      AGENT_MESH_STORE: "fs",
      ...GENERATED_TOKEN,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr!.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  return new Promise((resolve) => {
    // A start that does not end (listening after all, or retrying forever) is stopped by its PID.
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The admin token a start printed, checked against the gateway: `GET /v1/me` with it answers 200. */
async function expectWorkingAdminToken(url: string, output: string): Promise<void> {
  const token = ADMIN_TOKEN.exec(output)?.[1];
  expect(token, `no admin token in:\n${output}`).toBeDefined();
  const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(me.status).toBe(200);
}

let busy: Server;
let busyPort: number;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "agent-mesh-start-failures-"));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await cleanupCli();
  await new Promise((resolve) => busy.close(resolve));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.each<RuntimeName>(["bun", "deno", "node"])("a failed start on %s", (runtime) => {
  it("on a busy port says so in one line, and the next start prints a working admin token", async () => {
    const dataDir = tempDir();
    const failed = await startUntilExit(runtime, { PORT: String(busyPort), AGENT_MESH_DATA_DIR: dataDir });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trimEnd().split("\n")).toEqual([
      `[gateway] port ${busyPort} on 127.0.0.1 is in use; stop what listens there or set PORT to another port`,
    ]);
    expect(failed.stdout).not.toMatch(/admin token/i);

    const gateway = await startGateway({ runtime, store: "fs", dataDir, env: GENERATED_TOKEN });
    try {
      await expectWorkingAdminToken(gateway.url, gateway.output());
    } finally {
      await gateway.stop();
    }
  }, 60_000);

  it("with a PORT that is no port says so in one line, before the data folder is made", async () => {
    const dataDir = join(tempDir(), "data");
    const failed = await startUntilExit(runtime, { PORT: "abc", AGENT_MESH_DATA_DIR: dataDir });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trimEnd().split("\n")).toEqual([
      '[gateway] PORT must be a port number (0-65535), got "abc"',
    ]);
    expect(failed.stdout).not.toMatch(/admin token/i);
    expect(existsSync(dataDir)).toBe(false);
  }, 30_000);

  it.each([
    ["AGENT_MESH_STORE", "bogus"],
    ["AGENT_MESH_RATE_LIMIT", "lots"],
  ])(
    "with %s=%s says so in one line",
    async (name, value) => {
      const failed = await startUntilExit(runtime, {
        PORT: "0",
        AGENT_MESH_DATA_DIR: tempDir(),
        [name]: value,
      });
      expect(failed.code).toBe(1);
      const lines = failed.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^\\[gateway\\] .*${name}.*"${value}"`));
      expect(failed.stdout).not.toMatch(/admin token|listening on/i);
    },
    30_000,
  );
});

describe("a failed start of agent-mesh gateway", () => {
  it("on a busy port says so in one line, and the next start prints a working admin token", async () => {
    const home = freshHome();
    const dataDir = join(tempDir(), "data");
    const args = ["gateway", "--host", "127.0.0.1", "--data-dir", dataDir];
    const failed = await runCli([...args, "--port", String(busyPort)], { home, env: GENERATED_TOKEN });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trimEnd().split("\n")).toEqual([
      `agent-mesh: port ${busyPort} on 127.0.0.1 is in use; pick another with --port. [port_in_use]`,
    ]);
    expect(failed.stdout).not.toMatch(/admin token/i);

    const gateway = spawnCli([...args, "--port", "0"], { home, env: GENERATED_TOKEN });
    const [, url] = await gateway.waitFor(/listening on (http:\/\/\S+)/, 30_000);
    await expectWorkingAdminToken(url!, gateway.output());
    gateway.kill("SIGTERM");
    expect(await gateway.exited).toBe(0);
  }, 60_000);
});
