/**
 * Failures around a running request: the connector killed mid-request (the caller gets agent_offline once the
 * gateway's grace window, 1.5 s in tests, is over) and the gateway killed and restarted while an async task
 * streams (the connector reconnects, resends, and the task completes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { cleanupCli, cliOk, connect, loggedInHome, runCli, tempDir } from "./helpers.ts";

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;
let home: string;

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "fs" });
  user = await createUser(gateway.url, gateway.adminToken, "frank");
  home = await loggedInHome(gateway.url, user.token);
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

describe("failures mid-request", () => {
  it("killing the connector mid-request gives the caller agent_offline after the grace window", async () => {
    await createAgent(user.api, { name: "doomed-mid" });
    const conn = await connect(
      [
        "exec",
        "--agent",
        "doomed-mid",
        "--project",
        tempDir("mid"),
        "--",
        "sh",
        "-c",
        "echo started; sleep 5",
      ],
      { home },
    );
    const caller = runCli(["call", "doomed-mid", "--task", "work", "--json"], { home });
    await conn.waitFor(/request rq_\w+ from/);
    await new Promise((r) => setTimeout(r, 300));
    const killedAt = Date.now();
    process.kill(conn.pid, "SIGKILL");
    const result = await caller;
    const waited = Date.now() - killedAt;
    expect(result.code).toBe(1);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ event: "chunk", data: { delta: "started\n" } });
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "agent_offline" } });
    // The code has its own field: the message does not repeat it (the terminal line does).
    expect(events.at(-1).data.message).not.toContain("[agent_offline]");
    expect(result.stderr).toContain("[agent_offline]");
    expect(waited).toBeGreaterThanOrEqual(1_000);
    expect(waited).toBeLessThan(10_000);
  });

  it("an async task survives a gateway restart while it streams", { timeout: 60_000 }, async () => {
    await createAgent(user.api, { name: "survivor" });
    const conn = await connect(
      [
        "exec",
        "--agent",
        "survivor",
        "--project",
        tempDir("survivor"),
        "--",
        "sh",
        "-c",
        "echo working; sleep 8; tr a-z A-Z",
      ],
      { home },
    );
    const id = (await cliOk(["call", "survivor", "--task", "made it", "--async"], { home })).trim();
    await conn.waitFor(/request ag_\S+ from/);
    await gateway.restart();
    await conn.waitFor(/disconnected \(/);
    // The agent is still working when the connector is back (sleep 8 > restart + backoff), so `done` goes out live.
    await conn.waitFor(/connected as survivor[\s\S]*connected as survivor/, 8_000);
    expect(conn.output()).not.toMatch(/request ag_\S+ done/);
    const waited = await runCli(["task", id, "--wait", "--timeout", "20", "--json"], {
      home,
      timeoutMs: 30_000,
    });
    expect(waited.code, `${waited.stdout}${waited.stderr}\n${conn.output()}\n${gateway.output()}`).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ status: "completed", result: "working\nMADE IT" });
    expect(conn.output()).toMatch(/connected as survivor[\s\S]*disconnected[\s\S]*connected as survivor/);
    // The request ran once: the connector resumed it instead of starting it again.
    expect(conn.output().match(/request ag_\S+ from/g)).toHaveLength(1);
    conn.kill();
    expect(await conn.exited).toBe(0);
  });
});
