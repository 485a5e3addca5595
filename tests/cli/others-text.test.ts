/**
 * Text from other people, as the real CLI prints it against a real gateway (and a small fake registry): control
 * characters are shown, not obeyed (terminal-text.ts), while `--json` stays exact; inbox replies nobody receives,
 * share link limits and revocations, and saved aliases whose agent was deleted and made again, each told plainly.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError, errorText } from "../../connector/src/cli/errors.ts";
import { printable, printableFor, printableLine } from "../../connector/src/cli/terminal-text.ts";
import { refusalError } from "../../connector/src/connection/close-reasons.ts";
import { CloseCode } from "../../gateway/src/protocol/index.ts";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";
import { cleanupCli, cliOk, configDir, loggedInHome, runCli } from "./helpers.ts";

/** ESC, BEL, CR, NUL, DEL and the C1 controls: none may reach a terminal from someone else's text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for exactly these.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const OSC52 = "\u001b]52;c;ZWNobw==\u0007";
const ERASE = "\u001b[2K\r";

let gateway: GatewayProcess;
let alice: Awaited<ReturnType<typeof createUser>>;
let bob: Awaited<ReturnType<typeof createUser>>;
let home: string;

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "fs" });
  alice = await createUser(gateway.url, gateway.adminToken, "alice-text");
  bob = await createUser(gateway.url, gateway.adminToken, "bob-text");
  home = await loggedInHome(gateway.url, alice.token);
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

describe("printable", () => {
  it("shows C0 controls but newline and tab, DEL and C1 controls in caret notation", () => {
    expect(printable(`a${OSC52}b`)).toBe("a^[]52;c;ZWNobw==^Gb");
    expect(printable(`${ERASE}FAKE\n\tnext\u0000\u007f\u009b`)).toBe("^[[2K^MFAKE\n\tnext^@^?^[[");
    expect(printableLine("one\ntwo\tthree")).toBe("one^Jtwo^Ithree");
    expect(printable("café 😀 ok")).toBe("café 😀 ok");
    // Agent replies: exact into a pipe or a file, shown on a terminal.
    expect(printableFor({ isTTY: false }, OSC52)).toBe(OSC52);
    expect(printableFor({ isTTY: true }, OSC52)).toBe("^[]52;c;ZWNobw==^G");
  });

  it("names a connector refusal's code once", () => {
    const text = errorText(refusalError(CloseCode.agentDeleted, "", "upper"));
    expect(text).toMatch(/not reconnecting\. \[agent_deleted\]$/);
    expect(text.match(/\[agent_deleted\]/g)).toHaveLength(1);
    for (const code of [CloseCode.authFailed, CloseCode.revoked, CloseCode.replaced, 4999]) {
      const error = refusalError(code, "why", "upper");
      expect(error).toBeInstanceOf(CliError);
      expect(errorText(error).split(`[${error.code}]`)).toHaveLength(2);
    }
  });
});

describe("other people's text from the real CLI", () => {
  it("inbox prints messages and senders without their control characters, and --json exactly", async () => {
    const dev = await createAgent(alice.api, { visibility: "public" });
    const text = `hello ${OSC52} and ${ERASE}FAKE: from admin\u0000`;
    expect((await bob.api.post(`/v1/agents/${dev.name}/inbox`, { message: text })).status).toBe(201);
    const label = `evil\u001b[31m label`;
    const share = await alice.api.post(`/v1/agents/${dev.name}/shares`, { label, sessions: true });
    await alice.api.call("PUT", `/v1/agents/${dev.name}/inbox/presence`);
    // The link's holder asks the session; the sender shown is the link by its label.
    const gone = new AbortController();
    const linkAsk = fetch(`${share.body.url}messages`, {
      signal: gone.signal,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "from the link" }),
    });
    await waitFor(
      async () =>
        (await alice.api.get(`/v1/agents/${dev.name}/inbox?peek=true`)).body.messages.length === 2 || null,
      { what: "the link's ask in the inbox" },
    );
    const shown = await runCli(["inbox", dev.name], { home });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toMatch(CONTROL);
    expect(shown.stdout).toContain("  hello ^[]52;c;ZWNobw==^G and ^[[2K^MFAKE: from admin^@");
    expect(shown.stdout).toContain("share link “evil^[[31m label”");
    const json = await runCli(["inbox", dev.name, "--json"], { home });
    expect(JSON.parse(json.stdout).messages[0].text).toBe(text);
    const overview = await cliOk(["inbox"], { home });
    expect(overview).not.toMatch(CONTROL);
    const shares = await cliOk(["agents", "shares", dev.name], { home });
    expect(shares).toContain("evil^[[31m label");
    expect(shares).not.toMatch(CONTROL);
    await alice.api.call("DELETE", `/v1/agents/${dev.name}/inbox/presence`);
    gone.abort();
    await linkAsk.catch(() => undefined);
  });

  it("skills search and info print descriptions without their control characters", async () => {
    const description = `safe ${ERASE}FAKE: alice/git-helper official ${OSC52}`;
    const registry = await fakeRegistry({
      "/v1/skills/-/search": {
        results: [{ name: "bob/evil", version: "1.7.0", description, downloads: 4 }],
      },
      "/v1/skills/bob/evil": {
        name: "bob/evil",
        description,
        "dist-tags": { latest: "1.7.0" },
        downloads: 4,
        versions: { "1.7.0": { integrity: "sha256-x", deprecated: `old\u001b[8m` } },
      },
    });
    try {
      const env = { AGENT_MESH_URL: registry.url };
      const search = await runCli(["skills", "search", "evil"], { home, env });
      expect(search.code, search.stderr).toBe(0);
      expect(search.stdout).toContain("safe ^[[2K^MFAKE: alice/git-helper official ^[]52;c;ZWNobw==^G");
      expect(search.stdout).not.toMatch(CONTROL);
      const info = await runCli(["skills", "info", "bob/evil"], { home, env });
      expect(info.code, info.stderr).toBe(0);
      expect(info.stdout).toContain("deprecated: old^[[8m");
      expect(info.stdout).not.toMatch(CONTROL);
      const json = await runCli(["skills", "search", "evil", "--json"], { home, env });
      expect(JSON.parse(json.stdout)[0].description).toBe(description);
    } finally {
      registry.server.close();
    }
  });

  it("inbox --reply says when the asker stopped waiting and has no inbox", async () => {
    const desk = await createAgent(alice.api, { visibility: "public" });
    const gaveUp = await bob.api.post(`/v1/agents/${desk.name}/asks`, {
      message: "quick q",
      timeout_seconds: 1,
    });
    expect(gaveUp.body.error.code).toBe("ask_timeout");
    const [ask] = (await alice.api.get(`/v1/agents/${desk.name}/inbox?peek=true`)).body.messages;
    const out = await cliOk(["inbox", desk.name, "--reply", ask.id, "--message", "answer nobody gets"], {
      home,
    });
    expect(out).toContain(
      `replied to ${ask.id}, but the asker (${bob.name}) stopped waiting and has no inbox`,
    );
    expect(out).toContain("your reply was not delivered");
  });

  it("agents share refuses a rate limit above the gateway's, and unshare says when a link was already revoked", async () => {
    const agent = await createAgent(alice.api, {});
    const tooFast = await runCli(["agents", "share", agent.name, "--rate-limit", "100000"], { home });
    expect(tooFast.code).not.toBe(0);
    expect(tooFast.stderr).toContain("at most 60 requests per minute");
    expect(tooFast.stderr).toContain("[invalid_request]");
    const made = await runCli(["agents", "share", agent.name, "--json"], { home });
    const { id } = JSON.parse(made.stdout);
    expect(await cliOk(["agents", "shares", agent.name], { home })).toContain("gateway's");
    expect(await cliOk(["agents", "unshare", id], { home })).toBe(`Revoked share link ${id}.\n`);
    expect(await cliOk(["agents", "unshare", id], { home })).toContain(
      `Share link ${id} was already revoked`,
    );
  });

  it("finds an aliased agent again by name when its saved id was deleted, or says which alias is stale", async () => {
    const now = await createAgent(alice.api, { name: "upper-again" });
    const path = join(configDir(home), "config.json");
    const config = JSON.parse(readFileSync(path, "utf8"));
    const stale = "ag_00000000000000aa";
    config.agents["upper-again"] = { id: stale, name: "upper-again", type: "echo", project: home };
    config.agents.ghost = { id: "ag_00000000000000bb", name: "ghost-gone", type: "echo", project: home };
    writeFileSync(path, JSON.stringify(config));
    const shown = await runCli(["agents", "show", "upper-again", "--json"], { home });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).id).toBe(now.id);
    expect(shown.stderr).toContain(`saved here as \`upper-again\` (${stale}) is gone from the gateway`);
    const ghost = await runCli(["agents", "show", "ghost"], { home });
    expect(ghost.code).not.toBe(0);
    expect(ghost.stderr).toContain("saved on this machine as `ghost` (ag_00000000000000bb)");
    expect(ghost.stderr).toContain("[agent_not_found]");
  });
});

/** A registry that answers fixed JSON documents by path, on 127.0.0.1. */
async function fakeRegistry(documents: Record<string, unknown>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const doc = documents[path];
    res.writeHead(doc ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(doc ?? { error: { code: "not_found", message: "no such document" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
