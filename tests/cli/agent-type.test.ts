/**
 * `agents create --type` and `agents update --type` take only the types a connector can run: the gateway stores
 * any short lowercase word, and the `connect` line printed for an unknown one could never work. The refusal has
 * the stable code `unknown_agent_type`, names the known types, and nothing reaches the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { cleanupCli, cliOk, loggedInHome, runCli } from "./helpers.ts";

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;
let home: string;

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "memory" });
  user = await createUser(gateway.url, gateway.adminToken, "agent-type");
  home = await loggedInHome(gateway.url, user.token);
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

const KNOWN = "echo, exec, claude, codex, gemini";

describe("agent types", () => {
  it("create refuses an unknown type, naming the known ones, and creates nothing", async () => {
    const result = await runCli(["agents", "create", "--name", "typo", "--type", "foo"], { home });
    expect(result.stderr).toBe(
      `agent-mesh: unknown agent type "foo"; use one of ${KNOWN}. [unknown_agent_type]\n`,
    );
    expect(result.stdout).toBe("");
    expect(result.code).toBe(1);
    expect((await user.api.get("/v1/agents/typo")).status).toBe(404);
  });

  it("create takes every known type", async () => {
    for (const type of KNOWN.split(", ")) {
      const agent = JSON.parse(
        await cliOk(["agents", "create", "--name", `typed-${type}`, "--type", type, "--json"], { home }),
      );
      expect(agent.type).toBe(type);
    }
  });

  it("update refuses an unknown type and leaves the agent as it was", async () => {
    await cliOk(["agents", "create", "--name", "steady", "--type", "echo"], { home });
    const result = await runCli(["agents", "update", "steady", "--type", "claud"], { home });
    expect(result.stderr).toContain(`unknown agent type "claud"; use one of ${KNOWN}. [unknown_agent_type]`);
    expect(result.code).toBe(1);
    expect((await user.api.get("/v1/agents/steady")).body.type).toBe("echo");
    // A known type still goes through.
    await cliOk(["agents", "update", "steady", "--type", "codex"], { home });
    expect((await user.api.get("/v1/agents/steady")).body.type).toBe("codex");
  });
});
