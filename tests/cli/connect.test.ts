/**
 * `connect exec` end to end: a real gateway, the real CLI as connector and as caller. chat (one-shot and REPL),
 * call --json, call --async + task --wait, cancel, attachments, and the connect-time failures.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { connectRawAgent, sendWithGaps } from "../helpers/raw-agent.ts";
import { waitFor } from "../helpers/wait.ts";
import {
  type CliProcess,
  cleanupCli,
  cliOk,
  configDir,
  connect,
  loggedInHome,
  runCli,
  tempDir,
} from "./helpers.ts";

let gateway: GatewayProcess;
let user: Awaited<ReturnType<typeof createUser>>;
let home: string;
let upper: CliProcess;

beforeAll(async () => {
  gateway = await startGateway({ runtime: "node", store: "fs" });
  user = await createUser(gateway.url, gateway.adminToken, "carol");
  home = await loggedInHome(gateway.url, user.token);
  await cliOk(["agents", "create", "--name", "upper"], { home });
  upper = await connect(
    ["exec", "--agent", "upper", "--project", tempDir("project"), "--", "tr", "a-z", "A-Z"],
    {
      home,
    },
  );
});

afterAll(async () => {
  await cleanupCli();
  await gateway?.stop();
});

describe("connect exec -- tr a-z A-Z", () => {
  it("chat prints the agent's answer", async () => {
    expect(await cliOk(["chat", "upper", "hello"], { home })).toBe("HELLO\n");
    // Per-request lines are written in batches, a moment after the answer.
    await upper.waitFor(/request rq_\w+ done/);
  });

  it("saves the agent locally, so list and status show it connected", async () => {
    const config = JSON.parse(readFileSync(join(configDir(home), "config.json"), "utf8"));
    expect(config.agents.upper).toMatchObject({ type: "exec", command: "tr", args: ["a-z", "A-Z"] });
    // The state file is refreshed every second (not on every request), so the chat of the test before may still
    // count as active for up to a second after its answer: wait for the refresh, then the row must be all right.
    const listed = async () => JSON.parse(await cliOk(["list", "--json"], { home }))[0];
    const row = await waitFor(
      async () => {
        const current = await listed();
        return current?.active_requests === 0 ? current : null;
      },
      { what: "list to show no active requests" },
    );
    expect(row).toMatchObject({ alias: "upper", pid: upper.pid, connected: true, active_requests: 0 });
    const status = JSON.parse(await cliOk(["status", "--json"], { home }));
    expect(status.agents[0]).toMatchObject({ alias: "upper", connected: true });
  });

  it("chat without a message is a REPL that keeps one session until /quit", async () => {
    const out = await cliOk(["chat", "upper"], { home, input: "hello\nworld\n/quit\nnot sent\n" });
    expect(out).toBe("HELLO\nWORLD\n");
    const sessions = [...upper.output().matchAll(/\(session ([\w-]+)\)/g)].map((m) => m[1]);
    expect(sessions.at(-1)).toBe(sessions.at(-2));
  });

  it("chat --session continues a conversation", async () => {
    const events = (await cliOk(["call", "upper", "--task", "one", "--json"], { home })).trim().split("\n");
    const sessionId = JSON.parse(events.at(-1)!).data.session_id;
    expect(await cliOk(["chat", "upper", "two", "--session", sessionId], { home })).toBe("TWO\n");
    await upper.waitFor(new RegExp(`\\(session ${sessionId}\\)`));
  });

  it("call --json prints one JSON event per line", async () => {
    const out = await cliOk(["call", "upper", "--task", "json please", "--json"], { home });
    const events = out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.event)).toEqual(["chunk", "done"]);
    expect(events[0].data).toMatchObject({ kind: "text", delta: "JSON PLEASE" });
    expect(events[1].data).toMatchObject({ result: "JSON PLEASE", attachments: [] });
    expect(await cliOk(["call", "upper", "--task", "plain"], { home })).toBe("PLAIN\n");
    expect(await cliOk(["call", "upper", "--task", "streamed", "--stream"], { home })).toBe("STREAMED\n");
    // The task from stdin (its one final newline dropped), with --task left out or given as `-`.
    expect(await cliOk(["call", "upper"], { home, input: "piped\nin\n" })).toBe("PIPED\nIN\n");
    expect(await cliOk(["call", "upper", "--task", "-"], { home, input: "dash" })).toBe("DASH\n");
    const empty = await runCli(["call", "upper"], { home, input: "\n" });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("stdin was empty");
  });

  it("call --async prints a task id; task --wait prints the result", async () => {
    const id = (await cliOk(["call", "upper", "--task", "later", "--async"], { home })).trim();
    expect(id).toMatch(/^ag_[0-9a-f]{16}\.[0-9a-z]{26}$/);
    expect(await cliOk(["task", id, "--wait"], { home })).toBe("LATER\n");
    const task = JSON.parse(await cliOk(["task", id, "--json"], { home }));
    expect(task).toMatchObject({ id, status: "completed", result: "LATER", message: "later" });
  });

  it("task --reply answers a turn that ended with a question; --allow needs a prompt to answer", async () => {
    const booker = await createAgent(user.api, { name: "booker" });
    const agent = await connectAgent(gateway.url, user.token, booker.name, (request, reply) => {
      if (request.message === "book a table") reply.done("For how many?", { inputRequired: true });
      else reply.done(`Booked for ${request.message}.`);
    });
    try {
      const id = (await cliOk(["call", "booker", "--task", "book a table", "--async"], { home })).trim();
      const asked = await runCli(["task", id, "--wait"], { home });
      expect([asked.code, asked.stdout]).toEqual([0, "For how many?\n"]);
      expect(asked.stderr).toContain(`Answer with: agent-mesh task ${id} --reply "..."`);
      const noPrompt = await runCli(["task", id, "--allow"], { home });
      expect(noPrompt.code).toBe(1);
      expect(noPrompt.stderr).toContain("waits on no permission prompt: its turn ended with a question");
      const both = await runCli(["task", id, "--deny", "--reply", "x"], { home });
      expect(both.stderr).toContain("give one answer");
      // From stdin, as --task is.
      expect(await cliOk(["task", id, "--reply", "-", "--wait"], { home, input: "four\n" })).toBe(
        "Booked for four.\n",
      );
      expect(JSON.parse(await cliOk(["task", id, "--json"], { home }))).toMatchObject({
        status: "completed",
        turn: 2,
        message: "four",
      });
      expect(agent.requests.map((r) => r.session_id)).toEqual([
        agent.requests[0]!.session_id,
        agent.requests[0]!.session_id,
      ]);
      // A task that asked nothing has no turn to answer: the gateway's refusal.
      const again = await runCli(["task", id, "--reply", "five"], { home });
      expect(again.stderr).toContain("[task_not_waiting]");
    } finally {
      agent.stop();
    }
  });

  it("tasks lists your tasks newest first, with what each asked, filtered and paged", async () => {
    const ids: string[] = [];
    for (const task of ["first job", "second job\nwith a second line", "third job"])
      ids.push((await cliOk(["call", "upper", "--task", task, "--async"], { home })).trim());
    for (const id of ids) await cliOk(["task", id, "--wait"], { home });
    const table = await cliOk(["tasks", "--agent", "upper", "--limit", "3"], { home });
    const [header, ...rows] = table.trimEnd().split("\n");
    expect(header).toMatch(/^TASK\s+STATUS\s+AGENT\s+UPDATED\s+MESSAGE$/);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual([...ids].reverse());
    expect(rows[0]).toMatch(/completed\s+upper\s+\S+\s+third job$/);
    expect(rows[1]).toMatch(/second job…$/); // its first line only
    // --json gives the tasks as the gateway does.
    const listed = JSON.parse(await cliOk(["tasks", "--agent", "upper", "--json", "--limit", "2"], { home }));
    expect(listed.map((t: { id: string }) => t.id)).toEqual([ids[2], ids[1]]);
    expect(listed[0]).toMatchObject({ agent_name: "upper", message: "third job", status: "completed" });
    // More than a gateway page (100) is read page by page, without gaps or repeats.
    for (let n = 0; n < 101; n++)
      expect(
        (await user.api.post("/v1/agents/upper/messages", { message: `bulk ${n}`, async: true })).status,
      ).toBe(202);
    const many = JSON.parse(await cliOk(["tasks", "--agent", "upper", "--json", "--limit", "103"], { home }));
    expect(many).toHaveLength(103);
    expect(new Set(many.map((t: { id: string }) => t.id)).size).toBe(103);
    expect(many[0].message).toBe("bulk 100");
    expect(many.slice(101).map((t: { id: string }) => t.id)).toEqual([ids[2], ids[1]]);
    expect(await cliOk(["tasks", "--status", "canceled", "--agent", "upper"], { home })).toBe(
      "No tasks match.\n",
    );
    const bad = await runCli(["tasks", "--limit", "0"], { home });
    expect(bad.stderr).toBe("agent-mesh: --limit must be a whole number from 1 to 1000. [invalid_option]\n");
    const wrongState = await runCli(["tasks", "--status", "done"], { home });
    expect(wrongState.stderr).toBe(
      "agent-mesh: status must be one of submitted, working, input-required, completed, failed, canceled. [invalid_request]\n",
    );
    const badTimeout = await runCli(["task", ids[0]!, "--wait", "--timeout", "soon"], { home });
    expect(badTimeout.stderr).toBe(
      "agent-mesh: --timeout must be a number of seconds > 0. [invalid_option]\n",
    );
  });

  it("an unknown agent or task fails with the gateway's code", async () => {
    const agent = await runCli(["chat", "nobody", "hi"], { home });
    expect(agent.code).toBe(1);
    expect(agent.stderr).toBe(
      "agent-mesh: No agent `nobody` that you can see. Check the name or id. [agent_not_found]\n",
    );
    const task = await runCli(["task", "ag_0000000000000000.00000000000000000000000000"], { home });
    expect(task.stderr).toContain("[task_not_found]");
  });
});

describe("other exec agents", () => {
  it("cancel stops a running async task and its process", async () => {
    const project = tempDir("slow");
    await createAgent(user.api, { name: "slow" });
    const marker = join(project, "finished");
    const slow = await connect(
      ["exec", "--agent", "slow", "--project", project, "--", "sh", "-c", `sleep 4; touch ${marker}`],
      { home },
    );
    const id = (await cliOk(["call", "slow", "--task", "x", "--async"], { home })).trim();
    await slow.waitFor(/request ag_\S+ from/);
    expect(await cliOk(["cancel", id], { home })).toContain(`Canceled task ${id}`);
    await slow.waitFor(/failed: canceled/);
    const task = JSON.parse(await cliOk(["task", id, "--json"], { home }));
    expect(task.status).toBe("canceled");
    const again = await runCli(["cancel", id], { home });
    expect(again.stderr).toContain("[task_finished]");
    await new Promise((r) => setTimeout(r, 4_500));
    expect(existsSync(marker)).toBe(false); // the sleep was killed, not left to finish
    slow.kill();
    expect(await slow.exited).toBe(0);
  });

  it("files the agent writes come back as attachments", async () => {
    await createAgent(user.api, { name: "writer" });
    const writer = await connect(
      [
        "exec",
        "--agent",
        "writer",
        "--project",
        tempDir("writer"),
        "--",
        "sh",
        "-c",
        "cat > note.txt; echo wrote",
      ],
      { home },
    );
    const out = await cliOk(["call", "writer", "--task", "file body", "--json"], { home });
    const done = JSON.parse(out.trim().split("\n").at(-1)!);
    expect(done.data.attachments).toHaveLength(1);
    const [file] = done.data.attachments;
    expect(file).toMatchObject({ name: "note.txt", size: 9 });
    const res = await fetch(file.url, { headers: { authorization: `Bearer ${user.token}` } });
    expect(await res.text()).toBe("file body");
    expect(await cliOk(["chat", "writer", "again"], { home })).toMatch(
      /wrote\nattachment: note\.txt \(5 bytes\)/,
    );
    writer.kill();
    await writer.exited;
  });

  it("a missing adapter binary fails at connect time with what to install", async () => {
    await createAgent(user.api, { name: "ghost", type: "claude" });
    const exec = await runCli(["connect", "exec", "--agent", "ghost", "--", "/nonexistent/agent-bin"], {
      home,
    });
    expect(exec.code).toBe(1);
    expect(exec.stderr).toMatch(
      /^agent-mesh: `\/nonexistent\/agent-bin` was not found .*\[adapter_missing\]/,
    );
    const claude = await runCli(["connect", "--agent", "ghost"], { home, env: { PATH: "/nonexistent" } });
    expect(claude.code).toBe(1);
    expect(claude.stderr).toContain("npm install -g @anthropic-ai/claude-code");
    expect(claude.stderr).toContain(
      "On the command line its path goes after `--`: `agent-mesh connect claude --agent ghost -- /path/to/claude`.",
    );
    expect(claude.stderr).toContain("[adapter_missing]");
    const noCommand = await runCli(["connect", "exec", "--agent", "ghost"], { home });
    expect(noCommand.code).toBe(1);
    expect(noCommand.stderr).toContain("the exec adapter needs a command");
  });

  it("connect refuses a second connector for the same agent on this machine", async () => {
    const second = await runCli(["connect", "--agent", "upper"], { home });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`already running (pid ${upper.pid})`);
    await waitFor(() => upper.output().includes("waiting for requests"));
    expect(upper.child.exitCode).toBeNull();
  });
});

describe("an answer whose chunks were partly lost on the way to the gateway", () => {
  it("call --stream and chat say which are missing, then print the whole result", async () => {
    await cliOk(["agents", "create", "--name", "gappy"], { home });
    const raw = await connectRawAgent(gateway.url, user.token, "gappy");
    const ask = async (args: string[]) => {
      const run = runCli(args, { home });
      sendWithGaps(raw, (await raw.nextRequest()).id);
      return run;
    };
    try {
      const streamed = await ask(["call", "gappy", "--task", "go", "--stream"]);
      expect(streamed.code).toBe(0);
      expect(streamed.stdout).toBe("a\nd\nabcdef\n");
      expect(streamed.stderr).toContain("Chunks 2-3 of the agent's output never reached the gateway");
      expect(streamed.stderr).toContain("Chunk 5 of the agent's output never reached the gateway");
      const chat = await ask(["chat", "gappy", "go"]);
      expect(chat.stdout).toBe("a\nd\nabcdef\n");
      expect(chat.stderr).toContain("Chunks 2-3");
      const json = await ask(["call", "gappy", "--task", "go", "--json"]);
      const events = json.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(events.map((event) => event.event)).toEqual(["chunk", "gap", "chunk", "gap", "done"]);
      expect(events[1].data).toMatchObject({ code: "output_lost", after: 1, next: 4 });
    } finally {
      raw.close();
    }
  });
});
