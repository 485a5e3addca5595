import { afterAll, describe, expect, it } from "vitest";
import { createAdapter } from "../../connector/src/agents/index.ts";
import { type AgentChunk, AgentRunError, type AgentRunRequest } from "../../connector/src/agents/types.ts";
import { processGone, randomClientId, removeTempDirs, tempDir, waitFor } from "./helpers.ts";

afterAll(removeTempDirs);

async function request(message: string, signal = new AbortController().signal): Promise<AgentRunRequest> {
  return {
    requestId: "req-1",
    message,
    sessionId: "sess-1",
    clientId: randomClientId(),
    cwd: await tempDir("cwd"),
    signal,
  };
}

function collect(): { chunks: AgentChunk[]; emit: (c: AgentChunk) => void } {
  const chunks: AgentChunk[] = [];
  return { chunks, emit: (c) => chunks.push({ ...c }) };
}

async function failure(promise: Promise<unknown>): Promise<AgentRunError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentRunError);
  return error as AgentRunError;
}

describe("echo adapter", () => {
  it("streams the message straight back", async () => {
    const { chunks, emit } = collect();
    const out = await createAdapter("echo").run(await request("hello"), emit);
    expect(chunks).toEqual([{ kind: "text", delta: "hello" }]);
    expect(out.result).toBe("hello");
  });

  it("streams it n times as n chunks with `chunks: n`", async () => {
    const { chunks, emit } = collect();
    const out = await createAdapter("echo", { chunks: 2500 }).run(await request("ab"), emit);
    expect(chunks).toHaveLength(2500);
    expect(out.result).toBe("ab".repeat(2500));
  });
});

describe("exec adapter", () => {
  it("passes the message on stdin and streams stdout (tr a-z A-Z)", async () => {
    const { chunks, emit } = collect();
    const out = await createAdapter("exec", { command: "tr", args: ["a-z", "A-Z"] }).run(
      await request("hello world"),
      emit,
    );
    expect(out.result).toBe("HELLO WORLD");
    expect(chunks.map((c) => c.delta).join("")).toBe("HELLO WORLD");
    expect(chunks.every((c) => c.kind === "text")).toBe(true);
  });

  it("streams output as it arrives, before the process exits", async () => {
    const script = "echo first; sleep 1; echo second";
    const times: number[] = [];
    const start = Date.now();
    const adapter = createAdapter("exec", { command: "sh", args: ["-c", script] });
    const out = await adapter.run(await request(""), () => times.push(Date.now() - start));
    expect(out.result).toBe("first\nsecond\n");
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(times[0]!).toBeLessThan(900);
  });

  it("gives the command the request identifiers, never a shell-interpreted message", async () => {
    // `${#VAR}` is the shell's length operator (the client id must be 32 chars), built without a `${` literal.
    const length = ["$", "{#AGENT_MESH_CLIENT_ID}"].join("");
    const script = `printf "%s %s %s|" "$AGENT_MESH_SESSION_ID" "$AGENT_MESH_REQUEST_ID" "${length}"; cat`;
    const req = await request("$(touch pwned) `id`");
    const out = await createAdapter("exec", { command: "sh", args: ["-c", script] }).run(req, () => {});
    expect(out.result).toBe("sess-1 req-1 32|$(touch pwned) `id`");
  });

  it("reports a non-zero exit as adapter_failed with the tail of stderr", async () => {
    const adapter = createAdapter("exec", {
      command: "sh",
      args: ["-c", "echo partial; echo 'it broke' >&2; exit 3"],
    });
    const error = await failure(adapter.run(await request("x"), () => {}));
    expect(error.code).toBe("adapter_failed");
    expect(error.message).toContain("exited with code 3");
    expect(error.message).toContain("it broke");
  });

  it("kills the whole process tree on cancel and rejects with canceled", async () => {
    const controller = new AbortController();
    const pids: number[] = [];
    // The child starts a grandchild (sleep) and prints both pids; cancel must kill both.
    const adapter = createAdapter("exec", { command: "sh", args: ["-c", "sleep 60 & echo $$ $!; wait"] });
    const run = adapter.run(await request("", controller.signal), (c) => {
      pids.push(...c.delta.trim().split(/\s+/).map(Number));
      controller.abort();
    });
    const error = await failure(run);
    expect(error.code).toBe("canceled");
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(await waitFor(() => processGone(pid))).toBe(true);
  });

  it("stops a silent process after the idle timeout with agent_timeout", async () => {
    const adapter = createAdapter("exec", { command: "sleep", args: ["30"], idleTimeoutMs: 300 });
    const started = Date.now();
    const error = await failure(adapter.run(await request(""), () => {}));
    expect(error.code).toBe("agent_timeout");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("refuses a missing command with adapter_missing, in check() and run()", async () => {
    const adapter = createAdapter("exec", { command: "definitely-not-a-command-4711" });
    expect((await failure(adapter.check())).code).toBe("adapter_missing");
    expect((await failure(adapter.run(await request("x"), () => {}))).code).toBe("adapter_missing");
  });
});

describe("real agent adapters without their binary", () => {
  for (const [type, pkg] of [
    ["claude", "@anthropic-ai/claude-code"],
    ["codex", "@openai/codex"],
    ["gemini", "@google/gemini-cli"],
  ] as const) {
    it(`${type}: check() rejects with adapter_missing naming ${pkg}`, async () => {
      const adapter = createAdapter(type, { command: `/nonexistent/${type}` });
      const error = await failure(adapter.check());
      expect(error.code).toBe("adapter_missing");
      expect(error.message).toContain(pkg);
      expect((await failure(adapter.run(await request("x"), () => {}))).code).toBe("adapter_missing");
    });
  }

  it("an unknown adapter type is refused", () => {
    expect(() => createAdapter("nope")).toThrow(AgentRunError);
  });
});
