/** login / status / logout, agents lifecycle, discover, config and --help through the real CLI. */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { cleanupCli, cliOk, configDir, freshHome, loggedInHome, runCli } from "./helpers.ts";

let gateway: GatewayProcess;
let alice: { token: string };
let bob: { token: string };

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "fs" });
  alice = await createUser(gateway.url, gateway.adminToken, "alice");
  bob = await createUser(gateway.url, gateway.adminToken, "bob");
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

describe("listings past one page", () => {
  it("agents list, discover and tokens list follow the gateway's pages (1,000 a page)", {
    timeout: 60_000,
  }, async () => {
    const { url, adminToken } = gateway;
    const fleet = await createUser(url, adminToken, "cli-fleet");
    const name = (n: number) => `cli-fleet-${String(n).padStart(4, "0")}`;
    for (let first = 0; first <= 1000; first += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, 1001 - first) }, async (_, i) => {
          const res = await fleet.api.post("/v1/agents", { name: name(first + i), capabilities: ["fleet"] });
          expect(res.status).toBe(201);
        }),
      );
    }
    const home = await loggedInHome(url, fleet.token);
    const mine = JSON.parse(await cliOk(["agents", "list", "--json"], { home }));
    expect(mine.map((a: { name: string }) => a.name)).toEqual(
      Array.from({ length: 1001 }, (_, n) => name(n)),
    );
    const found = JSON.parse(await cliOk(["discover", "--capability", "fleet", "--json"], { home }));
    expect(found).toHaveLength(1001);

    for (let first = 0; first < 1000; first += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          apiClient(url, adminToken).post("/v1/tokens", { name: `t${first + i}` }),
        ),
      );
    }
    const adminHome = await loggedInHome(url, adminToken);
    const tokens = JSON.parse(await cliOk(["tokens", "list", "--json"], { home: adminHome })).tokens;
    const listed = (await apiClient(url, adminToken).get("/v1/tokens?limit=1")).body;
    expect(tokens.length).toBeGreaterThan(1000);
    expect(new Set(tokens.map((t: { id: string }) => t.id)).size).toBe(tokens.length);
    expect(tokens[0].id).toBe(listed.tokens[0].id);
    // `tokens` alone lists too.
    expect(JSON.parse(await cliOk(["tokens", "--json"], { home: adminHome })).tokens).toEqual(tokens);
  });
});

describe("login, status, logout", () => {
  it("refuses a bad token with the gateway's code and saves nothing", async () => {
    const home = freshHome();
    const result = await runCli(["login", "--url", gateway.url, "--token", "amk_nope"], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^agent-mesh: .*\[unauthorized\]/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const status = JSON.parse(await cliOk(["status", "--json"], { home }));
    expect(status.gateway.url).toBeNull();
  });

  it("says which flag is missing when there is no terminal to prompt on", async () => {
    const result = await runCli(["login", "--url", gateway.url], { home: freshHome() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("pass --token");
  });

  it("logs in, writes a 0600 config in a 0700 folder, reports status, logs out", async () => {
    const home = freshHome();
    const out = await cliOk(["login", "--url", `${gateway.url}/`, "--token", alice.token], { home });
    expect(out).toContain("as alice");
    const dir = configDir(home);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "config.json")).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(saved).toMatchObject({ url: gateway.url, token: alice.token });

    const status = JSON.parse(await cliOk(["status", "--json"], { home }));
    expect(status).toMatchObject({ user: "alice", gateway: { url: gateway.url, reachable: true } });
    expect(await cliOk(["status"], { home })).toContain("alice");

    expect(await cliOk(["logout"], { home })).toContain("Logged out");
    const after = await runCli(["agents", "list"], { home });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("not logged in");
  });

  it("AGENT_MESH_URL and AGENT_MESH_TOKEN override the config", async () => {
    const home = await loggedInHome(gateway.url, alice.token);
    const env = { AGENT_MESH_TOKEN: bob.token };
    expect(JSON.parse(await cliOk(["status", "--json"], { home, env })).user).toBe("bob");
    const bad = await runCli(["agents", "list"], { home, env: { AGENT_MESH_URL: "http://127.0.0.1:9" } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("cannot reach the gateway");
  });
});

describe("agents and discover", () => {
  it("creates, lists, shows, updates, publishes, unpublishes and deletes", { timeout: 90_000 }, async () => {
    const home = await loggedInHome(gateway.url, alice.token);
    const created = JSON.parse(
      await cliOk(
        [
          "agents",
          "create",
          "--name",
          "Reviewer",
          "--type",
          "claude",
          "--capability",
          "code-review",
          "--json",
        ],
        { home },
      ),
    );
    expect(created).toMatchObject({ name: "Reviewer", type: "claude", visibility: "private", online: false });
    expect(created.capabilities).toEqual(["code-review"]);

    const list = JSON.parse(await cliOk(["agents", "list", "--json"], { home }));
    expect(list.map((a: { id: string }) => a.id)).toContain(created.id);
    expect(await cliOk(["agents", "list"], { home })).toMatch(/Reviewer\s+ag_/);
    // The group alone lists; a mistyped subcommand is refused as one, not handed to `list` as an argument.
    expect(await cliOk(["agents"], { home })).toMatch(/Reviewer\s+ag_/);
    expect(JSON.parse(await cliOk(["agents", "--json"], { home }))).toEqual(list);
    const typo = await runCli(["agents", "lsit"], { home });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("unknown command 'lsit'");
    expect(typo.stderr).toMatch(/Usage: agent-mesh agents \[options\] \[command\][\s\S]*connect-command/);

    // Refs resolve by id and by name, case-insensitively.
    const byName = JSON.parse(await cliOk(["agents", "show", "reviewer", "--json"], { home }));
    expect(byName.id).toBe(created.id);
    expect(JSON.parse(await cliOk(["agents", "show", created.id, "--json"], { home })).name).toBe("Reviewer");

    const updated = JSON.parse(
      await cliOk(["agents", "update", "REVIEWER", "--description", "Reviews PRs", "--json"], { home }),
    );
    expect(updated.description).toBe("Reviews PRs");
    const nothing = await runCli(["agents", "update", "reviewer"], { home });
    expect(nothing.stderr).toContain("nothing to update");

    // Bob cannot see a private agent, can discover a public one, and cannot modify it.
    const bobHome = await loggedInHome(gateway.url, bob.token);
    const hidden = await runCli(["agents", "show", "reviewer"], { home: bobHome });
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toContain("[agent_not_found]");
    expect(await cliOk(["agents", "publish", "reviewer"], { home })).toContain("public");
    const found = JSON.parse(
      await cliOk(["discover", "--capability", "code-review", "--json"], { home: bobHome }),
    );
    expect(found.map((a: { name: string }) => a.name)).toEqual(["Reviewer"]);
    expect(JSON.parse(await cliOk(["discover", "--online", "--json"], { home: bobHome }))).toEqual([]);
    expect(JSON.parse(await cliOk(["agents", "list", "--json"], { home: bobHome }))).toEqual([]);
    // Public, so not "not found": another user's.
    const steal = await runCli(["agents", "delete", "reviewer"], { home: bobHome });
    expect(steal.stderr).toContain("[not_your_agent]");
    const borrow = await runCli(["connect", "exec", "--agent", "reviewer", "--", "cat"], { home: bobHome });
    expect(borrow.code).toBe(1);
    expect(borrow.stderr).toContain("you can connect only your own agents");
    expect(borrow.stderr).toContain("[not_your_agent]");
    expect(JSON.parse(await cliOk(["config", "--show", "--json"], { home: bobHome })).agents ?? {}).toEqual(
      {},
    );

    expect(await cliOk(["agents", "unpublish", "reviewer"], { home })).toContain("private");
    expect(JSON.parse(await cliOk(["discover", "--json"], { home: bobHome }))).toEqual([]);

    const taken = await runCli(["agents", "create", "--name", "reviewer"], { home: bobHome });
    expect(taken.stderr).toContain("[agent_name_taken]");

    // A share link: the URL alone on stdout, listed without its secret, revoked at once.
    const shared = await runCli(
      ["agents", "share", "reviewer", "--label", "design chat", "--expires-in", "1d", "--rate-limit", "10"],
      { home },
    );
    expect(shared.code).toBe(0);
    const url = shared.stdout.trim();
    expect(url).toMatch(new RegExp(`^${gateway.url}/s/ams_[0-9a-f]{16}_[0-9a-f]{48}/$`));
    expect(shared.stderr).toContain("Anyone with this link can call Reviewer until");
    const guide = await fetch(url);
    expect(guide.status).toBe(200);
    expect(await guide.text()).toContain("Reviewer");
    const [link] = JSON.parse(await cliOk(["agents", "shares", "reviewer", "--json"], { home }));
    expect(link).toMatchObject({ label: "design chat", status: "active", rate_limit: 10 });
    expect(Date.parse(link.expires_at) - Date.parse(link.created_at)).toBe(86_400_000);
    expect(url).toContain(link.id);
    expect(JSON.stringify(link)).not.toContain(url.split("_").at(-1)!.slice(0, -1)); // never the secret
    expect(await cliOk(["agents", "shares", "reviewer"], { home })).toMatch(
      /active\s+\S+\s+10\/min\s+no\s+design chat/,
    );
    // A link that also reaches the agent's interactive sessions says so when made and when listed.
    const reaching = await runCli(["agents", "share", "reviewer", "--sessions", "--label", "team"], { home });
    expect(reaching.stderr).toContain("also while a person's session serves it");
    expect(await cliOk(["agents", "shares", "reviewer"], { home })).toMatch(
      /active\s+\S+\s+gateway's\s+yes\s+team/,
    );
    expect(await cliOk(["agents", "unshare", link.id], { home })).toContain(`Revoked share link ${link.id}`);
    expect((await fetch(url)).status).toBe(410);
    expect(await cliOk(["agents", "shares", "reviewer"], { home })).toMatch(/revoked/);
    const badTime = await runCli(["agents", "share", "reviewer", "--expires-in", "5y"], { home });
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toContain("--expires-in takes seconds or 90m, 12h, 7d");
    const tooLong = await runCli(["agents", "share", "reviewer", "--expires-in", "91d"], { home });
    expect(tooLong.stderr).toContain("[invalid_request]");
    const notBobs = await runCli(["agents", "share", "reviewer"], { home: bobHome });
    expect(notBobs.stderr).toContain("[agent_not_found]");

    expect(await cliOk(["agents", "delete", "reviewer"], { home })).toContain("Deleted");
    const gone = await runCli(["agents", "show", created.id], { home });
    expect(gone.stderr).toContain("[agent_not_found]");
  });
});

describe("config and help", () => {
  it("sets max-concurrent and shows the config with tokens masked", async () => {
    const home = await loggedInHome(gateway.url, alice.token);
    await cliOk(["config", "--max-concurrent", "3"], { home });
    const shown = JSON.parse(await cliOk(["config", "--show", "--json"], { home }));
    expect(shown.maxConcurrent).toBe(3);
    expect(shown.token).not.toBe(alice.token);
    expect(await cliOk(["config", "--show"], { home })).not.toContain(alice.token);
    const bad = await runCli(["config", "--max-concurrent", "0"], { home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("positive integer");
  });

  it("every command has --help with an example", { timeout: 90_000 }, async () => {
    const home = freshHome();
    const commands = [
      ["login"],
      ["status"],
      ["logout"],
      ["agents", "create"],
      ["agents", "list"],
      ["agents", "show"],
      ["agents", "update"],
      ["agents", "publish"],
      ["agents", "unpublish"],
      ["agents", "delete"],
      ["agents", "share"],
      ["agents", "shares"],
      ["agents", "unshare"],
      ["connect", "call"],
      ["chat"],
      ["call"],
      ["task"],
      ["tasks"],
      ["cancel"],
      ["discover"],
      ["start"],
      ["stop"],
      ["restart"],
      ["logs"],
      ["list"],
      ["config"],
      ["agents", "connect-command"],
      ["tokens", "create"],
      ["tokens", "list"],
      ["tokens", "revoke"],
      ["gateway"],
    ];
    // A few at a time: dozens of CLI processes at once on two cores only measure the machine's patience.
    const results = [];
    for (let i = 0; i < commands.length; i += 6) {
      const batch = commands.slice(i, i + 6);
      results.push(...(await Promise.all(batch.map((c) => runCli([...c, "--help"], { home })))));
    }
    results.forEach((result, i) => {
      expect(result.code, commands[i]!.join(" ")).toBe(0);
      expect(result.stdout, commands[i]!.join(" ")).toMatch(/Usage: agent-mesh .*\n[\s\S]*Example/);
    });
    const top = await cliOk(["--help"], { home });
    for (const name of ["login", "connect", "chat", "call", "discover", "start", "skills"])
      expect(top).toContain(name);
  });
});
