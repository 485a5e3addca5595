/** start / list / logs / restart / stop: detached connectors with PID files and logs under the config folder. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { cleanupCli, cliOk, configDir, connect, loggedInHome, runCli, spawnCli, tempDir } from "./helpers.ts";

let gateway: GatewayProcess;
let home: string;

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "fs" });
  const user = await createUser(gateway.url, gateway.adminToken, "erin");
  home = await loggedInHome(gateway.url, user.token);
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

/** A zombie (exited, not yet reaped by whoever inherited the detached process) counts as dead. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

describe("background connectors", () => {
  it("start, list, logs, restart and stop by PID", { timeout: 90_000 }, async () => {
    for (const name of ["bg-upper", "bg-echo"]) await cliOk(["agents", "create", "--name", name], { home });
    // A foreground run saves each agent's settings; start reuses them.
    const project = tempDir("bg");
    for (const args of [
      ["exec", "--agent", "bg-upper", "--project", project, "--", "tr", "a-z", "A-Z"],
      ["echo", "--agent", "bg-echo", "--project", project],
    ]) {
      const fg = await connect(args, { home });
      fg.kill();
      expect(await fg.exited).toBe(0);
    }
    expect(
      JSON.parse(await cliOk(["list", "--json"], { home })).every((r: { pid: null }) => r.pid === null),
    ).toBe(true);

    const started = await cliOk(["start", "bg-upper"], { home });
    expect(started).toMatch(/Started bg-upper \(pid \d+\), connected/);
    const pid = Number(readFileSync(join(configDir(home), "run", "bg-upper.pid"), "utf8"));
    expect(alive(pid)).toBe(true);
    expect(await cliOk(["chat", "bg-upper", "from the background"], { home })).toBe("FROM THE BACKGROUND\n");

    const again = await runCli(["start", "bg-upper"], { home });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already running (pid ${pid})`);

    expect(await cliOk(["start", "--all"], { home })).toMatch(
      /bg-upper is already running[\s\S]*Started bg-echo/,
    );
    const rows = JSON.parse(await cliOk(["list", "--json"], { home }));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.connected).toBe(true);
      expect(row.pid).toBeGreaterThan(0);
      expect(row.uptime_s).toBeGreaterThanOrEqual(0);
    }
    expect(await cliOk(["list"], { home })).toMatch(/bg-upper\s+exec\s+\d+\s+yes\s+0/);

    // `-n 2` prints the log's last two lines. They are taken from the whole log read after it rather than assumed:
    // a connector starved of CPU on a loaded machine can miss a heartbeat (400 ms in tests) and reconnect in
    // between, which appends lines after the request's.
    const readAt = new Date().toISOString();
    const lastTwo = (await cliOk(["logs", "bg-upper", "-n", "2"], { home })).trim().split("\n");
    expect(lastTwo).toHaveLength(2);
    const whole = (await cliOk(["logs", "bg-upper", "-n", "1000"], { home })).trim().split("\n");
    const at = whole.indexOf(lastTwo[0]!);
    expect(at, whole.join("\n")).toBeGreaterThanOrEqual(0);
    expect(whole[at + 1]).toBe(lastTwo[1]);
    // Anything after them was written after `-n 2` read the log (lines start with their ISO time in brackets).
    for (const later of whole.slice(at + 2)) expect(later.slice(1, 25) >= readAt, later).toBe(true);
    expect(whole.join("\n")).toMatch(/request rq_\w+ done/);

    // logs -f prints what is appended while it runs.
    const follow = spawnCli(["logs", "bg-upper", "-f", "-n", "0"], { home });
    await new Promise((r) => setTimeout(r, 1_500));
    await cliOk(["chat", "bg-upper", "followed"], { home });
    await follow.waitFor(/request rq_\w+ done/);
    follow.kill("SIGINT");
    expect(await follow.exited).toBe(0);

    expect(await cliOk(["restart", "bg-upper"], { home })).toMatch(/Stopped bg-upper[\s\S]*Started bg-upper/);
    const newPid = Number(readFileSync(join(configDir(home), "run", "bg-upper.pid"), "utf8"));
    expect(newPid).not.toBe(pid);
    expect(alive(pid)).toBe(false);

    expect(await cliOk(["stop", "--all"], { home })).toMatch(/Stopped bg-upper[\s\S]*Stopped bg-echo/);
    expect(alive(newPid)).toBe(false);
    expect(existsSync(join(configDir(home), "run", "bg-upper.pid"))).toBe(false);
    expect(await cliOk(["stop", "bg-upper"], { home })).toContain("not running");
    const offline = await runCli(["chat", "bg-upper", "anyone?"], { home });
    expect(offline.stderr).toContain("[agent_offline]");
    // The remedy as the CLI spells it, not the HTTP API's `"async": true`.
    expect(offline.stderr).toContain('queue it as a task: `agent-mesh call bg-upper --task "..." --async`');
  });

  it("start reports a connector that dies at once, with the log's tail", async () => {
    await cliOk(["agents", "create", "--name", "bg-broken"], { home });
    const fg = await connect(["echo", "--agent", "bg-broken"], { home });
    fg.kill();
    await fg.exited;
    // A bogus saved credential: the background connector is refused (auth_failed) and exits at once.
    const path = join(configDir(home), "config.json");
    const config = JSON.parse(readFileSync(path, "utf8"));
    config.agents["bg-broken"].token = "amk_0000000000000000_bogus";
    writeFileSync(path, JSON.stringify(config));
    const result = await runCli(["start", "bg-broken"], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the connector for bg-broken exited \(code 3\):\n[\s\S]*\[auth_failed\]/);
    expect(
      JSON.parse(await cliOk(["list", "--json"], { home })).find(
        (r: { alias: string }) => r.alias === "bg-broken",
      ).pid,
    ).toBeNull();

    // --all starts the others and still says, by its exit status, that one failed.
    const all = await runCli(["start", "--all"], { home });
    expect(all.stdout).toMatch(/Started bg-upper[\s\S]*Started bg-echo/);
    expect(all.stderr).toMatch(/the connector for bg-broken exited \(code 3\)/);
    expect(all.code).toBe(1);
    await cliOk(["stop", "--all"], { home });

    const unknown = await runCli(["start", "nobody"], { home });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no local agent "nobody"');
  });
});
