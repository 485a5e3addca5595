/**
 * Exit statuses a command chooses without throwing (docs/cli.md): `task --wait` on a task that failed or was
 * canceled, `claude|codex|gemini --as` passing on the agent CLI's own, `status` when the gateway cannot be reached
 * or refuses the token. They must reach the shell as set, not be replaced by the 0 of a command that ran to its
 * end. (`start --all` with a failed connector: background.test.ts.)
 */
import { writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { freePort } from "../helpers/redis-server.ts";
import { cleanupCli, cliOk, freshHome, loggedInHome, runCli, tempDir } from "./helpers.ts";

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;
let home: string;

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "fs" });
  user = await createUser(gateway.url, gateway.adminToken, "exit-status");
  home = await loggedInHome(gateway.url, user.token);
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

describe("exit statuses set by commands", () => {
  it("task --wait exits 1 for a task that failed", async () => {
    const failing = await createAgent(user.api, { name: "failing" });
    const agent = await connectAgent(gateway.url, user.token, failing.name, (_request, reply) =>
      reply.error("tool_broke", "the tool broke"),
    );
    try {
      const id = (await cliOk(["call", "failing", "--task", "x", "--async"], { home })).trim();
      const waited = await runCli(["task", id, "--wait"], { home });
      expect(waited.stderr).toContain(`task ${id}: failed`);
      expect(waited.stdout).toContain("[tool_broke]");
      expect(waited.code).toBe(1);
      // Without --wait it only shows the task: 0.
      expect((await runCli(["task", id], { home })).code).toBe(0);
    } finally {
      agent.stop();
    }
  });

  it("task --wait exits 1 for a task that was canceled", async () => {
    // No connector: the task stays queued until it is canceled.
    await createAgent(user.api, { name: "idle" });
    const id = (await cliOk(["call", "idle", "--task", "x", "--async"], { home })).trim();
    await cliOk(["cancel", id], { home });
    const waited = await runCli(["task", id, "--wait", "--json"], { home });
    expect(JSON.parse(waited.stdout).status).toBe("canceled");
    expect(waited.code).toBe(1);
  });

  it("status exits 1 when the gateway cannot be reached or refuses the token, and reports it all the same", async () => {
    const unreachable = { AGENT_MESH_URL: `http://127.0.0.1:${await freePort()}` };
    const down = await runCli(["status", "--json"], { home, env: unreachable });
    expect(JSON.parse(down.stdout).gateway).toMatchObject({ reachable: false, error: expect.any(String) });
    expect(down.code).toBe(1);
    const downText = await runCli(["status"], { home, env: unreachable });
    expect(downText.stdout).toContain("(unreachable: cannot reach the gateway");
    expect(downText.code).toBe(1);

    const refusedToken = { AGENT_MESH_TOKEN: "amk_0000000000000000_bogus" };
    const refused = await runCli(["status", "--json"], { home, env: refusedToken });
    expect(JSON.parse(refused.stdout)).toMatchObject({ user: null, gateway: { reachable: true } });
    expect(refused.code).toBe(1);
    const refusedText = await runCli(["status"], { home, env: refusedToken });
    expect(refusedText.stdout).toContain("User:    token refused:");
    expect(refusedText.code).toBe(1);

    // Reachable and accepted, or nothing configured yet: 0.
    expect((await runCli(["status"], { home })).code).toBe(0);
    expect((await runCli(["status", "--json"], { home: freshHome() })).code).toBe(0);
  });

  it("claude --as exits with the status of the claude it ran", async () => {
    const bin = tempDir("fake-claude");
    writeFileSync(join(bin, "claude"), "#!/bin/sh\nexit 7\n", { mode: 0o755 });
    const run = await runCli(["claude", "--as", "dev"], {
      home,
      env: { PATH: `${bin}${delimiter}${process.env.PATH}` },
    });
    expect(run.code).toBe(7);
  });
});
