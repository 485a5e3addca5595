/**
 * `connect --sandbox` end to end with the real CLI: a sandboxed exec agent serves a caller and cannot read the
 * connector's own credentials; and the fail-closed refusals (no bubblewrap on PATH; user namespaces switched off
 * inside `unshare -U -r`) stop the connector before it ever connects.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeTempDirs } from "../connector/helpers.ts";
import { pathWithout } from "../connector/path-without.ts";
import { sandboxAvailable } from "../connector/sandbox-support.ts";
import { createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { BIN, cleanupCli, cliOk, configDir, connect, loggedInHome, runCli, tempDir } from "./helpers.ts";

const available = sandboxAvailable("tests/cli/sandbox.test.ts (the sandbox needs them)");

describe.skipIf(!available)("connect --sandbox", { timeout: 60_000 }, () => {
  let gateway: GatewayProcess;
  let home: string;
  let token: string;

  beforeAll(async () => {
    gateway = await startGateway({ runtime: "node", store: "fs" });
    const user = await createUser(gateway.url, gateway.adminToken, "sandy");
    token = user.token;
    home = await loggedInHome(gateway.url, user.token);
    await cliOk(["agents", "create", "--name", "probe", "--type", "exec"], { home });
  });
  afterAll(async () => {
    await cleanupCli();
    await removeTempDirs();
    await gateway?.stop();
  });

  it("with no host allowed, runs without any network and says so at connect", async () => {
    const project = tempDir("offline-project");
    const connector = await connect(
      ["exec", "--agent", "probe", "--project", project, "--sandbox", "--", "sh"],
      { home },
    );
    expect(connector.output()).toContain("sandboxed with no network (no host allowed: see --allow-host)");
    const out = await cliOk(["chat", "probe", "curl -sS -m 5 http://example.com/ 2>&1; echo END:$?"], {
      home,
    });
    expect(out).toMatch(/END:(6|7)\b/); // curl: could not resolve the host (6) or connect (7) — there is no network
    connector.kill();
    await connector.exited;
  });

  it("serves callers from inside the sandbox and saves the setting", async () => {
    const project = tempDir("project");
    // One allowed host puts the sandbox's proxy in the path, and the proxy reports what it refuses.
    const connector = await connect(
      [
        "exec",
        "--agent",
        "probe",
        "--project",
        project,
        "--sandbox",
        "--allow-host",
        "allowed.example",
        "--",
        "sh",
      ],
      { home },
    );
    expect(connector.output()).toContain("sandboxed (docs/sandbox.md)");
    const script = `cat ${join(configDir(home), "config.json")}; echo "home=$HOME"; curl -s -m 5 http://not-allowed.example/ >/dev/null; echo END`;
    const out = await cliOk(["chat", "probe", script], { home });
    expect(out).toContain("END");
    expect(out).not.toContain(token);
    expect(out).toContain(`home=${join(project, ".agent-mesh", "sandbox")}`);
    const saved = JSON.parse(readFileSync(join(configDir(home), "config.json"), "utf8")).agents.probe;
    expect(saved).toMatchObject({ sandbox: true, command: "sh", allowHosts: ["allowed.example"] });
    // The owner learns from the log which host was refused and how to allow it.
    await connector.waitFor(
      /sandbox refused a connection to not-allowed\.example:80: not on the allow list \(add --allow-host not-allowed\.example:80/,
    );
    connector.kill();
    await connector.exited;
  });

  it("refuses to connect, naming the fix, when bubblewrap is not on PATH", async () => {
    const path = await pathWithout("bwrap");
    const result = await runCli(["connect", "--agent", "probe"], { home, env: { PATH: path } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /--sandbox cannot start: bubblewrap is not installed; install it with `sudo apt-get install -y bubblewrap`/,
    );
    expect(result.stdout + result.stderr).not.toMatch(/connected as/);
  });

  it("refuses to connect when user namespaces are switched off", async () => {
    const probe = spawnSync("unshare", ["-U", "-r", "true"]);
    if (probe.status !== 0) {
      console.warn("SKIPPED: the user-namespaces-off case (this machine cannot run `unshare -U -r`)");
      return;
    }
    const env = { ...process.env, HOME: home, AGENT_MESH_HOME: configDir(home), NO_COLOR: "1" };
    // Inside a user namespace of its own, the connector may switch user namespaces off for itself alone.
    const child = spawn(
      "unshare",
      [
        "-U",
        "-r",
        "sh",
        "-c",
        'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"',
        "sh",
        process.execPath,
        BIN,
        "connect",
        "--agent",
        "probe",
      ],
      { env, cwd: home, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearTimeout(timer);
    expect(code).not.toBe(0);
    expect(output).toMatch(
      /--sandbox cannot start: user namespaces are switched off \(user\.max_user_namespaces is 0\); enable them with/,
    );
    expect(output).not.toMatch(/connected as/);
  });
});
