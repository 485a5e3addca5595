/**
 * The connector as a new user gets it: the tarball built from this checkout, installed by npm (or run by npx)
 * on a fresh machine — its own HOME, a system PATH, no registry — against a real gateway process. The ticket's
 * `command` is pasted as is; `agent-mesh gateway` from the install serves /health, /dl and a relay.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import {
  buildTarball,
  cleanup,
  freshMachine,
  type Installed,
  installTarball,
  killGroup,
  run,
  start,
  TARBALL,
  tempDir,
} from "./helpers.ts";

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;
let installed: Installed;

beforeAll(async () => {
  buildTarball();
  installed = installTarball();
  gateway = await startGateway({ runtime: "node", store: "fs" });
  user = await createUser(gateway.url, gateway.adminToken, "newcomer");
}, 120_000);

afterAll(async () => {
  await cleanup();
  await gateway?.stop();
});

async function ticketFor(agent: string): Promise<{ url: string; command: string }> {
  const res = await user.api.post(`/v1/agents/${agent}/tickets`);
  expect(res.status).toBe(201);
  return res.body;
}

describe("the tarball", () => {
  it("ships bin, prebuilt JavaScript, README and licence, and no sources or repository notes", () => {
    const listing = run(["tar", "tzf", TARBALL], process.env, process.cwd());
    return listing.then(({ stdout, code }) => {
      expect(code).toBe(0);
      const files = stdout.trim().split("\n");
      expect(files).toEqual(
        expect.arrayContaining([
          "package/package.json",
          "package/README.md",
          "package/LICENSE",
          "package/bin/agent-mesh.mjs",
          "package/dist/agent-mesh.mjs",
        ]),
      );
      expect(files.filter((f) => /\.ts$|HELPERS|\/src\//.test(f))).toEqual([]);
      const manifest = JSON.parse(readFileSync(`${installed.packageDir}/package.json`, "utf8"));
      expect(manifest.dependencies ?? {}).toEqual({});
    });
  });

  it("runs --version and --help on plain Node from the install", async () => {
    const cwd = tempDir("cwd");
    const version = await run([installed.bin, "--version"], installed.env, cwd);
    expect(version).toMatchObject({ code: 0, stdout: "0.1.0\n" });
    const help = await run([installed.bin, "--help"], installed.env, cwd);
    expect(help.code).toBe(0);
    for (const command of ["connect", "tokens", "gateway", "agents", "skills"])
      expect(help.stdout).toContain(command);
    const connectHelp = await run([installed.bin, "connect", "--help"], installed.env, cwd);
    expect(connectHelp.stdout).toContain("--chunks <n>");
  });

  it("refuses a Node older than 20 with one sentence", async () => {
    const fake = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"18.19.0"})';
    const result = await run(
      ["node", "--import", fake, installed.bin, "--version"],
      installed.env,
      tempDir("cwd"),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "agent-mesh: needs Node.js 20 or newer, but this is Node.js 18.19.0; install Node.js 20+ (https://nodejs.org) and run the command again. [node_too_old]\n",
    );
  });
});

describe("the ticket's command on a fresh machine", () => {
  it("is `npx -y <gateway>/dl/agent-mesh-<version>.tgz connect --setup <ticket>`, and it puts the agent online", async () => {
    const agent = await createAgent(user.api, { name: "pasted", type: "echo" });
    const ticket = await ticketFor(agent.name);
    expect(ticket.command).toBe(
      `npx -y ${gateway.url}/dl/agent-mesh-0.1.0.tgz connect --setup ${ticket.url}`,
    );
    const machine = freshMachine();
    const project = tempDir("project");
    const connector = start(ticket.command, machine.env, project);
    await connector.waitFor(/connected as pasted/, 90_000);
    const res = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "hello from afar" });
    expect(res.status).toBe(200);
    expect(res.body.result).toBe("hello from afar");
    killGroup(connector.pid, "SIGTERM");
    await connector.exited;
  }, 120_000);

  it("serves the tarball at /dl, redirects the stable name, and refuses other names", async () => {
    const bytes = readFileSync(TARBALL);
    const file = await fetch(`${gateway.url}/dl/agent-mesh-0.1.0.tgz`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
    const stable = await fetch(`${gateway.url}/dl/agent-mesh.tgz`, { redirect: "manual" });
    expect(stable.status).toBe(302);
    expect(stable.headers.get("location")).toBe(`${gateway.url}/dl/agent-mesh-0.1.0.tgz`);
    for (const path of [
      "/dl/agent-mesh-0.0.9.tgz",
      "/dl/..%2F..%2Fpackage.json",
      "/dl/%2e%2e",
      "/dl/agent-mesh-0.1.0.tgz%00",
      "/dl/..%5Cagent-mesh-0.1.0.tgz",
    ]) {
      const res = await fetch(`${gateway.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toMatch(/not_found/);
    }
  });

  it("ends bad tickets, dead gateways and non-gateways with one sentence and a non-zero exit", async () => {
    const agent = await createAgent(user.api, { name: "once", type: "echo" });
    const used = await ticketFor(agent.name);
    await fetch(used.url, { method: "POST" });
    const notGateway: Server = createServer((_req, res) =>
      res.writeHead(501).end("<html><body>nope</body></html>"),
    );
    await new Promise<void>((r) => notGateway.listen(0, "127.0.0.1", r));
    const port = (notGateway.address() as { port: number }).port;
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const deadPort = (dead.address() as { port: number }).port;
    await new Promise((r) => dead.close(r));
    const cases: Array<[string, RegExp]> = [
      ["not a url", /is not a ticket URL .*\n$/],
      [`${gateway.url}/v1/agents/x`, /is not a ticket URL/],
      [`${gateway.url}/v1/tickets/amt_unknown`, /\[ticket_invalid\]\n$/],
      [used.url, /already redeemed.*\[ticket_used\]\n$/],
      [
        `http://127.0.0.1:${deadPort}/v1/tickets/amt_1`,
        /cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      ],
      [
        `http://127.0.0.1:${port}/v1/tickets/amt_1`,
        /answered 501 Not Implemented; check that the URL points to an Agent Mesh gateway/,
      ],
    ];
    try {
      for (const [url, message] of cases) {
        const result = await run([installed.bin, "connect", "--setup", url], installed.env, tempDir("cwd"));
        expect(result.code, url).toBe(1);
        expect(result.stderr, url).toMatch(/^agent-mesh: [^\n]+\n$/);
        expect(result.stderr, url).toMatch(message);
        expect(result.stderr, url).not.toMatch(/\n\s+at /);
      }
    } finally {
      notGateway.close();
    }
  });

  it("ends an expired ticket with one sentence", async () => {
    const shortLived = await startGateway({ runtime: "node", env: { AGENT_MESH_TICKET_TTL_MS: "1000" } });
    try {
      const owner = await createUser(shortLived.url, shortLived.adminToken, "hasty");
      const agent = await createAgent(owner.api, { name: "late", type: "echo" });
      const ticket = await owner.api.post(`/v1/agents/${agent.name}/tickets`);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const result = await run(
        [installed.bin, "connect", "--setup", ticket.body.url],
        installed.env,
        tempDir("cwd"),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^agent-mesh: This ticket expired [^\n]*\[ticket_expired\]\n$/);
    } finally {
      await shortLived.stop();
    }
  });

  it("a tarball URL that 404s fails npx with a non-zero exit", async () => {
    const machine = freshMachine();
    const result = await run(
      `npx -y ${gateway.url}/dl/agent-mesh-9.9.9.tgz --version`,
      machine.env,
      tempDir("cwd"),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("404 Not Found");
  }, 60_000);
});

describe("agent-mesh gateway from the install", () => {
  it("serves /health, its own connector at /dl, tokens and a relay through the installed CLI", async () => {
    const dataDir = tempDir("data");
    const server = start(
      [installed.bin, "gateway", "--port", "0", "--data-dir", dataDir],
      installed.env,
      dataDir,
    );
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/, 30_000);
    const adminToken = /Admin token[^\n]*\n\n\s+(\S+)/.exec(server.output())![1]!;
    const health = await (await fetch(`${url}/health`)).json();
    expect(health).toMatchObject({ ok: true, runtime: "node", store: "fs", version: "0.1.0" });

    const admin = { ...installed.env, AGENT_MESH_URL: url!, AGENT_MESH_TOKEN: adminToken };
    const cwd = tempDir("cwd");
    const created = await run([installed.bin, "tokens", "create", "ops", "--json"], admin, cwd);
    expect(created.code, created.stderr).toBe(0);
    const ops = JSON.parse(created.stdout);
    expect((await run([installed.bin, "tokens", "list"], admin, cwd)).stdout).toContain(ops.id);
    const asOps = { ...installed.env, AGENT_MESH_URL: url!, AGENT_MESH_TOKEN: ops.token };
    expect(
      (await run([installed.bin, "agents", "create", "--name", "relay", "--type", "echo"], asOps, cwd)).code,
    ).toBe(0);
    const line = await run([installed.bin, "agents", "connect-command", "relay"], asOps, cwd);
    expect(line.stdout).toMatch(
      new RegExp(`^npx -y ${url}/dl/agent-mesh-0.1.0.tgz connect --setup ${url}/v1/tickets/amt_\\w+\\n$`),
    );

    // The connector this gateway serves is its own package, packed on the fly: npm installs it.
    const fromGateway = installTarball(`${url}/dl/agent-mesh-0.1.0.tgz`);
    const connector = start(
      [fromGateway.bin, "connect", "--setup", line.stdout.trim().split(" ").pop()!],
      fromGateway.env,
      tempDir("project"),
    );
    await connector.waitFor(/connected as relay/, 30_000);
    const chat = await run([installed.bin, "chat", "relay", "through the packaged gateway"], asOps, cwd);
    expect(chat).toMatchObject({ code: 0, stdout: "through the packaged gateway\n" });

    const revoked = await run([installed.bin, "tokens", "revoke", ops.id], admin, cwd);
    expect(revoked.stdout).toBe(`Revoked ${ops.id}.\n`);
    expect((await apiClient(url!, ops.token).get("/v1/me")).status).toBe(401);
    killGroup(server.pid, "SIGTERM");
    expect(await server.exited).toBe(0);
  }, 120_000);
});
