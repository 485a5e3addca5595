/**
 * `connect --setup <ticket-url>` from a fresh machine, a reused ticket, and a revoked credential: the connector
 * stops with a clear message and a non-zero exit instead of reconnecting forever.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import {
  cleanupCli,
  cliOk,
  configDir,
  connect,
  freshHome,
  loggedInHome,
  runCli,
  spawnCli,
  tempDir,
} from "./helpers.ts";

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "fs" });
  user = await createUser(gateway.url, gateway.adminToken, "dave");
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

async function ticketFor(agent: string): Promise<string> {
  const res = await user.api.post(`/v1/agents/${agent}/tickets`);
  expect(res.status).toBe(201);
  return res.body.url;
}

/** The agent credential's token id, from the admin's token list. */
async function credentialId(agentId: string): Promise<string> {
  const { body } = await apiClient(gateway.url, gateway.adminToken).get("/v1/tokens");
  const found = body.tokens.find(
    (t: { agent_id?: string; revoked_at: string | null }) => t.agent_id === agentId && !t.revoked_at,
  );
  return found.id;
}

describe("connect --setup", () => {
  it("redeems a ticket on a fresh machine, saves the credential, connects, and serves callers", async () => {
    const agent = await createAgent(user.api, { name: "fresh", type: "echo" });
    const url = await ticketFor(agent.name);
    const machine = freshHome();
    const conn = await connect(["--setup", url, "--project", tempDir("project")], { home: machine });
    const config = JSON.parse(readFileSync(join(configDir(machine), "config.json"), "utf8"));
    expect(config.url).toBe(gateway.url);
    expect(config.token).toBeUndefined(); // no user login on this machine
    expect(config.agents.fresh).toMatchObject({ id: agent.id, name: "fresh", type: "echo" });
    expect(config.agents.fresh.token).toMatch(/^am/);

    const caller = await loggedInHome(gateway.url, user.token);
    expect(await cliOk(["chat", "fresh", "ping"], { home: caller })).toBe("ping\n");

    // Later runs need no ticket: the saved credential and type are reused.
    conn.kill();
    expect(await conn.exited).toBe(0);
    const again = await connect(["--agent", "fresh"], { home: machine });
    expect(await cliOk(["chat", "fresh", "pong"], { home: caller })).toBe("pong\n");
    again.kill();
    await again.exited;
  });

  it("a reused ticket fails with a clear message", async () => {
    await createAgent(user.api, { name: "once", type: "echo" });
    const url = await ticketFor("once");
    const first = await connect(["--setup", url], { home: freshHome() });
    const second = await runCli(["connect", "--setup", url], { home: freshHome() });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      "agent-mesh: This ticket was already redeemed. Create a new one for this machine. [ticket_used]\n",
    );
    const bogus = await runCli(["connect", "--setup", `${gateway.url}/v1/tickets/amt_nope`], {
      home: freshHome(),
    });
    expect(bogus.stderr).toContain("[ticket_invalid]");
    const notUrl = await runCli(["connect", "--setup", "hello"], { home: freshHome() });
    expect(notUrl.stderr).toContain("is not a ticket URL");
    first.kill();
    await first.exited;
  });

  it("an exec agent's line without its command is refused before the ticket is used; run again with it, it connects", async () => {
    const agent = await createAgent(user.api, { name: "shouter", type: "exec" });
    const ticket = await user.api.post(`/v1/agents/${agent.name}/tickets`);
    expect(ticket.body).toMatchObject({
      agent: { name: "shouter", type: "exec" },
      command_needs: "-- <command> [args...]",
    });
    const machine = freshHome();
    // The line as the gateway prints it for an exec agent (`connect exec --setup …`), pasted as is.
    const bare = await runCli(["connect", "exec", "--setup", ticket.body.url], { home: machine });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toBe(
      "agent-mesh: an exec agent needs the command that answers its callers: add `-- <command> [args...]` at the end " +
        "of the line and run it again (the ticket is not used yet). [missing_command]\n",
    );
    // A line without the type (an older gateway's): the ticket is used and the credential kept on this machine.
    const untyped = await runCli(["connect", "--setup", ticket.body.url], { home: machine });
    expect(untyped.code).toBe(1);
    expect(untyped.stderr).toContain(
      "shouter is an exec agent: it needs the command that answers its callers.",
    );
    expect(untyped.stderr).toContain("this machine kept the credential, so the used ticket still works here");
    // The same line again, finished: the used ticket works on the machine that redeemed it.
    const conn = await connect(["exec", "--setup", ticket.body.url, "--", "tr", "a-z", "A-Z"], {
      home: machine,
    });
    const caller = await loggedInHome(gateway.url, user.token);
    expect(await cliOk(["chat", "shouter", "hello"], { home: caller })).toBe("HELLO\n");
    // The owner's CLI prints the line with the type and says what to append.
    const printed = await runCli(["agents", "connect-command", "shouter"], { home: caller });
    expect(printed.stdout).toMatch(/ connect exec --setup http:\/\/\S+\/v1\/tickets\/amt_\w+\n$/);
    expect(printed.stderr).toContain(
      "shouter is an exec agent: append the program it runs, `-- <command> [args...]`.",
    );
    conn.kill();
    await conn.exited;
    // Once it connected with its command, the bare line works on this machine too (the saved command runs).
    const again = await connect(["exec", "--setup", ticket.body.url], { home: machine });
    expect(await cliOk(["chat", "shouter", "again"], { home: caller })).toBe("AGAIN\n");
    again.kill();
    await again.exited;
    // Elsewhere it stays used.
    const elsewhere = await runCli(["connect", "exec", "--setup", ticket.body.url, "--", "cat"], {
      home: freshHome(),
    });
    expect(elsewhere.stderr).toContain("[ticket_used]");
  });

  it("a claude agent's line on a machine without claude says so, and the same line works again there", async () => {
    await createAgent(user.api, { name: "thinker", type: "claude" });
    const url = await ticketFor("thinker");
    const machine = freshHome();
    const env = { PATH: "/nonexistent" };
    for (let run = 0; run < 2; run++) {
      // Both runs: the second reuses the credential the first kept, instead of failing with ticket_used.
      const result = await runCli(["connect", "--setup", url], { home: machine, env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("`claude` was not found on PATH");
      expect(result.stderr).toContain(
        "This machine kept the ticket's credential: once it is installed, run the same line again.",
      );
      expect(result.stderr).not.toContain("ticket_used");
    }
  });

  it("a revoked credential stops the connector with a clear message, without reconnecting", async () => {
    const agent = await createAgent(user.api, { name: "revokee", type: "echo" });
    const machine = freshHome();
    const conn = await connect(["--setup", await ticketFor(agent.name)], { home: machine });
    const id = await credentialId(agent.id);
    const res = await user.api.call("DELETE", `/v1/tokens/${id}`);
    expect(res.status).toBe(200);
    const code = await Promise.race([
      conn.exited,
      new Promise((r) => setTimeout(() => r("still running"), 10_000)),
    ]);
    expect(code).toBe(3);
    expect(conn.output()).toContain("was revoked");
    expect(conn.output()).toContain("[token_revoked]");
    expect(conn.output().match(/\] (connecting to|reconnecting \(attempt)/g)).toHaveLength(1);
    expect(conn.output()).not.toMatch(/\n\s+at /);

    // Starting it again fails the same way at once (the gateway refuses the credential).
    const rerun = spawnCli(["connect", "--agent", "revokee"], { home: machine });
    expect(await rerun.exited).toBe(3);
    expect(rerun.output()).toMatch(/agent-mesh: .*\[(auth_failed|token_revoked)\]/);
  });

  it("deleting the agent stops its connector", async () => {
    const home = await loggedInHome(gateway.url, user.token);
    await cliOk(["agents", "create", "--name", "doomed", "--type", "echo"], { home });
    const conn = await connect(["--agent", "doomed"], { home });
    await cliOk(["agents", "delete", "doomed"], { home });
    expect(await conn.exited).toBe(3);
    expect(conn.output()).toContain("[agent_deleted]");
  });
});
