/**
 * A CLI that gives up on a live call (`call --timeout`, Ctrl-C in `chat` or `call --stream`) stops it at the
 * gateway before it exits, so the agent's request is canceled at once rather than when the resume window (set
 * long here) runs out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAgent, createAgent, createUser, type TestAgent } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";
import { cleanupCli, loggedInHome, runCli, spawnCli } from "./helpers.ts";

/** Far longer than any wait below: a request canceled within it was canceled by the CLI, not the window. */
const RESUME_MS = 60_000;
/** The CLI waits up to 2 s for the cancel; the agent hears of it well within this, on a loaded machine too. */
const CANCELED_WITHIN_MS = 10_000;
/** The CLI's 2 s bound on that wait, with room for a loaded machine; without the bound it would hang for minutes. */
const EXITS_WITHIN_MS = 10_000;

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;
let home: string;
const agents: TestAgent[] = [];

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", env: { AGENT_MESH_RESUME_MS: String(RESUME_MS) } });
  user = await createUser(gateway.url, gateway.adminToken, "quitter");
  home = await loggedInHome(gateway.url, user.token);
});

afterAll(async () => {
  for (const agent of agents) agent.stop();
  await cleanupCli();
  await gateway?.stop();
});

/** An agent that never answers and notes when its request's signal says the request was canceled. */
async function busyAgent(): Promise<{ name: string; started: () => boolean; canceledAt: () => number }> {
  const { name } = await createAgent(user.api);
  let canceledAt = 0;
  const agent = await connectAgent(gateway.url, user.token, name, (_request, reply) => {
    reply.signal.addEventListener("abort", () => {
      canceledAt = Date.now();
    });
  });
  agents.push(agent);
  return { name, started: () => agent.requests.length > 0, canceledAt: () => canceledAt };
}

describe("giving up on a live call cancels it at the gateway", () => {
  it("call --timeout", { timeout: 40_000 }, async () => {
    const agent = await busyAgent();
    const result = await runCli(["call", agent.name, "--task", "hi", "--timeout", "1"], { home });
    const exitedAt = Date.now();
    expect(result.code).toBe(124);
    expect(result.stderr).toContain("no answer within 1 s; the request was canceled. [timeout]");
    expect(result.stderr.match(/\[timeout\]/g), "the code once").toHaveLength(1);
    await waitFor(agent.canceledAt, { timeoutMs: CANCELED_WITHIN_MS, what: "the agent's request canceled" });
    expect(agent.canceledAt() - exitedAt).toBeLessThan(CANCELED_WITHIN_MS);
  });

  it.each([
    ["chat", (name: string) => ["chat", name, "hi"]],
    ["call --stream", (name: string) => ["call", name, "--task", "hi", "--stream"]],
  ])("Ctrl-C in %s", { timeout: 40_000 }, async (_command, args) => {
    const agent = await busyAgent();
    const cli = spawnCli(args(agent.name), { home });
    await waitFor(agent.started, { what: "the agent's request" });
    cli.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    const exitedAt = Date.now();
    expect(cli.output()).toContain("interrupted; the request was canceled.");
    await waitFor(agent.canceledAt, { timeoutMs: CANCELED_WITHIN_MS, what: "the agent's request canceled" });
    expect(agent.canceledAt() - exitedAt).toBeLessThan(CANCELED_WITHIN_MS);
  });
});

describe("a gateway that does not answer the cancel", () => {
  it("holds up Ctrl-C for 2 s at most", { timeout: 40_000 }, async () => {
    const agent = await busyAgent();
    const cli = spawnCli(["chat", agent.name, "hi"], { home });
    await waitFor(agent.started, { what: "the agent's request" });
    gateway.signal("SIGSTOP");
    try {
      const interruptedAt = Date.now();
      cli.kill("SIGINT");
      expect(await cli.exited).toBe(130);
      expect(Date.now() - interruptedAt).toBeLessThan(EXITS_WITHIN_MS);
    } finally {
      gateway.signal("SIGCONT");
    }
  });
});
