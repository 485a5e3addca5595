/**
 * Permission prompts relayed to the caller, end to end: the real Claude Code binary behind the real
 * `agent-mesh connect claude --ask-caller`, a real gateway process, and a fake Messages API on loopback whose
 * model asks for a `Write` (or `Bash`) tool use. Claude calls the connector's prompt tool; the caller sees a
 * `permission` event (or an input-required task) and answers; only that caller can.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeServer } from "../fakes/fake-server.ts";
import { eventData } from "../helpers/api.ts";
import { createUser } from "../helpers/fixtures.ts";
import type { GatewayProcess } from "../helpers/gateway-process.ts";
import {
  connectClaude,
  lastToolResult,
  liveCall,
  startClaudeGateway,
  taskWhen,
  workspaceDirs,
  workspaceFile,
} from "./ask-caller-helpers.ts";
import { cleanupCli, cliOk, configDir, loggedInHome, runCli, tempDir } from "./helpers.ts";

type User = Awaited<ReturnType<typeof createUser>>;

let gateway: GatewayProcess;
let fake: FakeServer;
let alice: User;
let bob: User;
const projects: Record<string, string> = {};
const machines: Record<string, string> = {};

/** Connects a claude agent of Alice's with `args` (see `connectClaude`). */
async function connectAlices(name: string, args: string[]): Promise<void> {
  const { project, machine } = await connectClaude({ gateway, fake }, alice, name, args);
  projects[name] = project;
  machines[name] = machine;
}

beforeAll(async () => {
  ({ gateway, fake } = await startClaudeGateway());
  alice = await createUser(gateway.url, gateway.adminToken, "alice");
  bob = await createUser(gateway.url, gateway.adminToken, "bob");
  await Promise.all([
    connectAlices("asker", ["--ask-caller", "--ask-timeout", "60"]),
    connectAlices("hasty", ["--ask-caller", "--ask-timeout", "2"]),
    connectAlices("ruled", [
      "--ask-caller",
      "--ask-timeout",
      "60",
      "--allow-tool",
      "Bash(mkdir made-by-rule)",
      "--deny-tool",
      "Bash(touch:*)",
    ]),
  ]);
}, 90_000);

afterAll(async () => {
  await cleanupCli();
  await fake?.close();
  await gateway?.stop();
});

describe("connect claude --ask-caller", { timeout: 60_000 }, () => {
  it("asks the caller on a live call; allow → the file is written in the caller's workspace", async () => {
    const prompts: any[] = [];
    let strangerStatus = 0;
    const res = await liveCall(alice.api, "asker", "WRITE_FILE:allowed.txt", async (prompt, requestId) => {
      prompts.push(prompt);
      const path = `/v1/agents/asker/messages/${requestId}/input`;
      // Another caller (who may call this public agent) cannot answer Alice's prompt.
      strangerStatus = (await bob.api.post(path, { prompt_id: prompt.prompt_id, decision: "allow" })).status;
      await alice.api.post(path, { prompt_id: prompt.prompt_id, decision: "allow" });
    });
    expect(prompts, JSON.stringify({ status: res.status, events: res.events, body: res.body })).toHaveLength(
      1,
    );
    expect(prompts[0]).toMatchObject({ tool: "Write", timeout_s: 60 });
    expect(prompts[0].summary).toMatch(/^Write \/.*\/allowed\.txt \(1 lines\)$/);
    expect(prompts[0].input).toMatchObject({ content: "content of allowed.txt" });
    expect(strangerStatus).toBe(404);
    expect(eventData(res.events, "done")[0].result).toMatch(/^tool said: File created successfully/);
    expect(workspaceFile(projects.asker!, "allowed.txt")).toBe("content of allowed.txt");
  });

  it("two callers at once each see and answer only their own prompt", async () => {
    const call = async (user: User, file: string, decision: "allow" | "deny") => {
      const prompts: any[] = [];
      const res = await liveCall(user.api, "asker", `WRITE_FILE:${file}`, (prompt, requestId) => {
        prompts.push(prompt);
        void user.api.post(`/v1/agents/asker/messages/${requestId}/input`, {
          prompt_id: prompt.prompt_id,
          decision,
        });
      });
      return { res, prompts };
    };
    const [mine, theirs] = await Promise.all([
      call(alice, "alice-only.txt", "allow"),
      call(bob, "bob-only.txt", "deny"),
    ]);
    expect(
      mine.prompts.map((p) => p.summary),
      JSON.stringify(mine.res.events),
    ).toEqual([expect.stringMatching(/alice-only\.txt/)]);
    expect(theirs.prompts.map((p) => p.summary)).toEqual([expect.stringMatching(/bob-only\.txt/)]);
    expect(workspaceFile(projects.asker!, "alice-only.txt")).toBe("content of alice-only.txt");
    expect(workspaceFile(projects.asker!, "bob-only.txt")).toBeUndefined();
    // Each ran in its own caller's workspace.
    const holders = workspaceDirs(projects.asker!).filter((dir) => existsSync(join(dir, "alice-only.txt")));
    expect(holders).toHaveLength(1);
    expect(existsSync(join(holders[0]!, "bob-only.txt"))).toBe(false);
  });

  it("deny → no file, and the model is told why", async () => {
    const res = await liveCall(alice.api, "asker", "WRITE_FILE:denied.txt", (prompt, requestId) => {
      void alice.api.post(`/v1/agents/asker/messages/${requestId}/input`, {
        prompt_id: prompt.prompt_id,
        decision: "deny",
        message: "not in my repo",
      });
    });
    expect(eventData(res.events, "permission")).toHaveLength(1);
    expect(workspaceFile(projects.asker!, "denied.txt")).toBeUndefined();
    expect(lastToolResult(fake)).toEqual({
      content: "The caller denied this Write call: not in my repo",
      is_error: true,
    });
    expect(eventData(res.events, "done")[0].result).toBe(
      "tool said: The caller denied this Write call: not in my repo",
    );
  });

  it("a task waits as input-required; allow with edits writes the caller's version; strangers get 404", async () => {
    const accepted = await alice.api.post("/v1/agents/asker/messages", {
      message: "WRITE_FILE:edited.txt",
      async: true,
    });
    const taskId = accepted.body.task_id;
    const waiting = await taskWhen(
      alice.api,
      taskId,
      (task) => task.status === "input-required" && task,
      "input-required",
    );
    const prompt = waiting.prompt;
    expect(prompt).toMatchObject({ tool: "Write" });
    const stolen = await bob.api.post(`/v1/tasks/${taskId}/input`, {
      prompt_id: prompt.prompt_id,
      decision: "allow",
    });
    expect(stolen.status).toBe(404);
    const answered = await alice.api.post(`/v1/tasks/${taskId}/input`, {
      prompt_id: prompt.prompt_id,
      decision: "allow",
      updated_input: { ...prompt.input, content: "the caller's edit" },
    });
    expect(answered.status).toBe(200);
    await taskWhen(alice.api, taskId, (task) => task.status === "completed", "completed");
    expect(workspaceFile(projects.asker!, "edited.txt")).toBe("the caller's edit");
  });

  it("the owner's --allow-tool / --deny-tool rules decide without asking; other uses still ask", async () => {
    const allowed = await liveCall(alice.api, "ruled", "RUN_TOOL:mkdir made-by-rule");
    expect(eventData(allowed.events, "permission")).toEqual([]);
    expect(workspaceDirs(projects.ruled!).some((dir) => existsSync(join(dir, "made-by-rule")))).toBe(true);

    const denied = await liveCall(alice.api, "ruled", "RUN_TOOL:touch touched-by-model.txt");
    expect(eventData(denied.events, "permission")).toEqual([]);
    expect(workspaceFile(projects.ruled!, "touched-by-model.txt")).toBeUndefined();
    expect(lastToolResult(fake)).toMatchObject({ is_error: true });
    expect(lastToolResult(fake)?.content).toMatch(/denied/);

    // Control: a command no rule covers is asked about (so the two above really were the rules' doing).
    const asked = await liveCall(alice.api, "ruled", "RUN_TOOL:mkdir not-covered", (prompt, requestId) => {
      void alice.api.post(`/v1/agents/ruled/messages/${requestId}/input`, {
        prompt_id: prompt.prompt_id,
        decision: "deny",
      });
    });
    expect(eventData(asked.events, "permission")[0].prompt).toMatchObject({
      tool: "Bash",
      summary: "Run: mkdir not-covered",
    });
    expect(workspaceDirs(projects.ruled!).some((dir) => existsSync(join(dir, "not-covered")))).toBe(false);
  });
});

describe("the caller's terminal", { timeout: 60_000 }, () => {
  it("chat shows the prompt and sends y as allow", async () => {
    const home = await loggedInHome(gateway.url, alice.token);
    const out = await cliOk(["chat", "asker", "WRITE_FILE:from-chat.txt"], {
      home,
      input: "y\n",
      timeoutMs: 45_000,
    });
    expect(out).toMatch(
      /\? The agent asks to Write \/.*from-chat\.txt \(1 lines\) \(60 s\)\. Allow\? \[y\/N\]/,
    );
    expect(out).toContain("tool said: File created successfully");
    expect(workspaceFile(projects.asker!, "from-chat.txt")).toBe("content of from-chat.txt");
  });

  it("chat denies when stdin ends without an answer", async () => {
    const home = await loggedInHome(gateway.url, alice.token);
    const out = await cliOk(["chat", "asker", "WRITE_FILE:no-tty.txt"], { home, timeoutMs: 45_000 });
    expect(out).toContain("tool said: The caller denied this Write call: Denied from the terminal.");
    expect(workspaceFile(projects.asker!, "no-tty.txt")).toBeUndefined();
  });

  it("task shows the prompt an async task waits on; --allow and --deny answer it, --wait sees it through", async () => {
    const home = await loggedInHome(gateway.url, alice.token);
    const id = (
      await cliOk(["call", "asker", "--task", "WRITE_FILE:from-task.txt", "--async"], { home })
    ).trim();
    const waiting = await runCli(["task", id, "--wait"], { home, timeoutMs: 45_000 });
    expect(waiting.code).toBe(0);
    expect(waiting.stdout).toMatch(
      /^The agent asks to Write \/.*from-task\.txt \(1 lines\) \(denied if not answered within 60 s\)\.\n$/,
    );
    expect(waiting.stderr).toContain(`Answer with: agent-mesh task ${id} --allow (or --deny)`);
    const allowed = await cliOk(["task", id, "--allow", "--wait"], { home, timeoutMs: 45_000 });
    expect(allowed).toContain("tool said: File created successfully");
    expect(workspaceFile(projects.asker!, "from-task.txt")).toBe("content of from-task.txt");

    const other = (
      await cliOk(["call", "asker", "--task", "WRITE_FILE:denied-task.txt", "--async"], { home })
    ).trim();
    await cliOk(["task", other, "--wait"], { home, timeoutMs: 45_000 });
    const denied = await cliOk(["task", other, "--deny", "--why", "not in this repo", "--wait"], {
      home,
      timeoutMs: 45_000,
    });
    expect(denied).toContain("tool said: The caller denied this Write call: not in this repo");
    expect(workspaceFile(projects.asker!, "denied-task.txt")).toBeUndefined();
    // Bob cannot answer Alice's task: to him it does not exist.
    const bobHome = await loggedInHome(gateway.url, bob.token);
    expect((await runCli(["task", other, "--allow"], { home: bobHome })).stderr).toContain(
      "[task_not_found]",
    );
  });

  it("call --json prints the permission event with the request id to answer at", async () => {
    const home = await loggedInHome(gateway.url, alice.token);
    const out = await cliOk(["call", "hasty", "--task", "WRITE_FILE:json.txt", "--json"], {
      home,
      timeoutMs: 45_000,
    });
    const events = out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const permission = events.find((e) => e.event === "permission");
    expect(permission.data.prompt).toMatchObject({ tool: "Write", timeout_s: 2 });
    expect(permission.data.request_id).toMatch(/^rq_/);
    expect(events.at(-1).event).toBe("done");
  });
});

describe("connect --ask-caller settings", { timeout: 30_000 }, () => {
  let refusalHome: string | undefined;

  it("are saved with the agent, like the other connect settings", () => {
    const config = JSON.parse(readFileSync(join(configDir(machines.ruled!), "config.json"), "utf8"));
    expect(config.agents.ruled).toMatchObject({
      type: "claude",
      askCaller: true,
      askTimeoutS: 60,
      allowTools: ["Bash(mkdir made-by-rule)"],
      denyTools: ["Bash(touch:*)"],
    });
  });

  it.each([
    [["codex", "--ask-caller"], "ask_caller_unsupported", /codex exec.*never asks/],
    [["claude", "--allow-tool", "Bash(rm -rf /"], "invalid_tool_rule", /is not a tool rule/],
    [
      ["claude", "--ask-caller", "--permission-mode", "bypassPermissions"],
      "ask_caller_conflict",
      /nothing to ask/,
    ],
  ])("connect %j is refused (%s)", async (args, code, message) => {
    const name = `refused-${code}-${args[0]}`.replaceAll("_", "-");
    await alice.api.post("/v1/agents", { name, type: args[0] });
    refusalHome ??= await loggedInHome(gateway.url, alice.token);
    const home = refusalHome;
    const result = await runCli(["connect", ...args, "--agent", name, "--project", tempDir("refused")], {
      home,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    if (code !== "invalid_option") expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // a sentence, not a stack
    // Nothing is saved for a refused connect (the file holds the login only).
    const saved = JSON.parse(readFileSync(join(configDir(home), "config.json"), "utf8"));
    expect(saved.agents).toEqual({});
  });
});
