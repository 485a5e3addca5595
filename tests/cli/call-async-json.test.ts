/**
 * `call --async --json` reports a refusal the way `call --json` does (docs/cli.md): an `error` event on stdout
 * (`{"event":"error","data":{code,message}}`, the message without the `[code]` the terminal line ends with), the
 * `agent-mesh: … [code]` line on stderr and exit status 1, so a script reads every outcome from stdout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { cleanupCli, loggedInHome, runCli } from "./helpers.ts";

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;
let home: string;

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "memory" });
  user = await createUser(gateway.url, gateway.adminToken, "async-json");
  home = await loggedInHome(gateway.url, user.token);
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

/** stdout as JSON events, one a line. */
const events = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe("call --async --json", () => {
  it("prints the task as one task event", async () => {
    // No connector: the gateway queues the task.
    await createAgent(user.api, { name: "queued" });
    const result = await runCli(["call", "queued", "--task", "x", "--async", "--json"], { home });
    expect(result.code).toBe(0);
    expect(events(result.stdout)).toEqual([
      { event: "task", data: expect.objectContaining({ task_id: expect.any(String) }) },
    ]);
  });

  it("prints an unknown agent's refusal as the same error event as the synchronous --json", async () => {
    const queued = await runCli(["call", "nobody-here", "--task", "x", "--async", "--json"], { home });
    const sync = await runCli(["call", "nobody-here", "--task", "x", "--json"], { home });
    expect(events(queued.stdout)).toEqual([
      { event: "error", data: { code: "agent_not_found", message: expect.any(String) } },
    ]);
    expect(events(queued.stdout)).toEqual(events(sync.stdout));
    expect(events(queued.stdout)[0].data.message).not.toContain("[agent_not_found]");
    // The terminal line and the status stay as for every other error.
    expect(queued.stderr).toMatch(/^agent-mesh: .*\[agent_not_found\]\n$/);
    expect(queued.code).toBe(1);
  });

  it("prints a refused token as an error event with the remedy in the message", async () => {
    const env = { AGENT_MESH_TOKEN: "amk_0000000000000000_bogus" };
    const result = await runCli(["call", "queued", "--task", "x", "--async", "--json"], { home, env });
    const [event, ...more] = events(result.stdout);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ event: "error", data: { code: "unauthorized" } });
    expect(event.data.message).toContain("Run `agent-mesh login` again.");
    expect(event.data.message).not.toContain("[unauthorized]");
    expect(result.stderr).toContain("[unauthorized]");
    expect(result.code).toBe(1);
  });

  it("still prints nothing on stdout for a refusal without --json", async () => {
    const result = await runCli(["call", "nobody-here", "--task", "x", "--async"], { home });
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("[agent_not_found]");
    expect(result.code).toBe(1);
  });
});
