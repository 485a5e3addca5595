/**
 * The permission pieces that need no process: asking the caller (answer, edits, silence, cancel), the prompt's
 * one-line summary, and the checks on the owner's connect settings.
 */
import { describe, expect, it } from "vitest";
import type { AgentChunk } from "../../connector/src/agents/types.ts";
import { CliError } from "../../connector/src/cli/errors.ts";
import { askCaller } from "../../connector/src/permissions/ask-caller.ts";
import { claudePermissionOptions } from "../../connector/src/permissions/connect-settings.ts";
import { summarizeToolUse } from "../../connector/src/permissions/summary.ts";
import type { PermissionPrompt, PromptAnswer } from "../../gateway/src/protocol/index.ts";

const write = { tool_name: "Write", input: { file_path: "/w/notes.md", content: "a\nb\n" } };

function run(answer: (prompt: PermissionPrompt) => Promise<PromptAnswer>, timeoutMs = 5_000) {
  const chunks: AgentChunk[] = [];
  const asked: PermissionPrompt[] = [];
  const withdrawn: unknown[] = [];
  const abort = new AbortController();
  const result = askCaller(
    (prompt) => {
      asked.push(prompt);
      return answer(prompt);
    },
    write,
    {
      timeoutMs,
      signal: abort.signal,
      emit: (chunk) => chunks.push({ ...chunk }),
      withdraw: (withdrawal) => withdrawn.push(withdrawal),
    },
  );
  return { result, chunks, asked, abort, withdrawn };
}

const never = () => new Promise<PromptAnswer>(() => {});

describe("askCaller", () => {
  it("sends a prompt with a fresh id, the input, a summary and the timeout", async () => {
    const { result, asked } = run(async (p) => ({ prompt_id: p.prompt_id, decision: "allow" }), 90_000);
    expect(await result).toEqual({ behavior: "allow", updatedInput: write.input });
    expect(asked[0]).toMatchObject({
      tool: "Write",
      input: write.input,
      summary: "Write /w/notes.md (2 lines)",
      timeout_s: 90,
    });
    expect(asked[0]!.prompt_id).toMatch(/^p_[A-Za-z0-9_-]{12}$/);
  });

  it("allow with edits hands Claude the caller's input", async () => {
    const edited = { file_path: "/w/notes.md", content: "mine" };
    const { result } = run(async (p) => ({
      prompt_id: p.prompt_id,
      decision: "allow",
      updated_input: edited,
    }));
    expect(await result).toEqual({ behavior: "allow", updatedInput: edited });
  });

  it("deny carries the caller's reason to the model", async () => {
    const { result } = run(async (p) => ({ prompt_id: p.prompt_id, decision: "deny", message: "no" }));
    expect(await result).toEqual({ behavior: "deny", message: "The caller denied this Write call: no" });
  });

  it("silence past the timeout denies, withdraws the prompt and says so in a status chunk", async () => {
    const { result, chunks, asked, withdrawn } = run(never, 1_000);
    expect(await result).toEqual({
      behavior: "deny",
      message: "The caller did not answer within 1 s, so this Write call was denied.",
    });
    expect(chunks).toEqual([
      { kind: "status", delta: "No answer to the permission prompt for Write within 1 s: denied." },
    ]);
    expect(withdrawn).toEqual([
      {
        prompt_id: asked[0]!.prompt_id,
        reason: "timeout",
        message: "No answer to the permission prompt for Write within 1 s: denied.",
      },
    ]);
  });

  it("withdraws nothing that was answered or canceled", async () => {
    const answered = run(async (p) => ({ prompt_id: p.prompt_id, decision: "deny" }), 1_000);
    await answered.result;
    const canceled = run(never);
    canceled.abort.abort();
    await canceled.result;
    expect([...answered.withdrawn, ...canceled.withdrawn]).toEqual([]);
  });

  it("a canceled request denies at once, without a status chunk", async () => {
    const { result, chunks, abort } = run(never);
    abort.abort();
    expect(await result).toEqual({ behavior: "deny", message: "The request was canceled." });
    expect(chunks).toEqual([]);
  });

  it("does not ask the caller of a request already canceled (the agent may ask again before it is stopped)", async () => {
    const asked: PermissionPrompt[] = [];
    const result = await askCaller(
      (prompt) => {
        asked.push(prompt);
        return never();
      },
      write,
      { timeoutMs: 5_000, signal: AbortSignal.abort(), emit: () => {} },
    );
    expect(result).toEqual({ behavior: "deny", message: "The request was canceled." });
    expect(asked).toEqual([]);
  });

  it("leaves a huge input out of the prompt (the summary still tells what it is)", async () => {
    const big = { tool_name: "Write", input: { file_path: "/w/big.txt", content: "x".repeat(40_000) } };
    const asked: PermissionPrompt[] = [];
    const result = await askCaller(
      async (p) => {
        asked.push(p);
        return { prompt_id: p.prompt_id, decision: "allow" };
      },
      big,
      { timeoutMs: 1_000, signal: new AbortController().signal, emit: () => {} },
    );
    expect(asked[0]!.input).toBeUndefined();
    expect(asked[0]!.summary).toBe("Write /w/big.txt (1 lines)");
    expect(result).toEqual({ behavior: "allow", updatedInput: big.input });
  });
});

describe("summarizeToolUse", () => {
  it.each([
    ["Bash", { command: "git push" }, "Run: git push"],
    ["Edit", { file_path: "/w/a.ts", old_string: "x" }, "Edit /w/a.ts"],
    ["WebFetch", { url: "https://example.com/x" }, "Fetch https://example.com/x"],
    ["mcp__db__query", { sql: "select 1" }, 'mcp__db__query {"sql":"select 1"}'],
  ])("%s", (tool, input, line) => {
    expect(summarizeToolUse(tool, input)).toBe(line);
  });

  it("is at most 1000 characters", () => {
    expect(summarizeToolUse("Bash", { command: "y".repeat(5_000) })).toHaveLength(1_000);
  });
});

describe("claudePermissionOptions", () => {
  const refused = (type: string, settings: Parameters<typeof claudePermissionOptions>[1]) => {
    try {
      claudePermissionOptions(type, settings);
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      return (error as CliError).code;
    }
    return "accepted";
  };

  it("maps claude settings to adapter options", () => {
    expect(
      claudePermissionOptions("claude", {
        askCaller: true,
        askTimeoutS: 30,
        allowTools: ["Bash(git status)"],
        denyTools: ["WebFetch", "mcp__github"],
      }),
    ).toEqual({
      askCaller: { timeoutMs: 30_000 },
      allowedTools: ["Bash(git status)"],
      disallowedTools: ["WebFetch", "mcp__github"],
    });
    expect(claudePermissionOptions("claude", { askCaller: false })).toEqual({
      askCaller: undefined,
      allowedTools: undefined,
      disallowedTools: undefined,
    });
    expect(claudePermissionOptions("exec", {})).toEqual({});
  });

  it.each([
    ["gemini", { askCaller: true }, "ask_caller_unsupported"],
    ["exec", { askCaller: true }, "ask_caller_unsupported"],
    ["gemini", { allowTools: ["Write"] }, "tool_rules_unsupported"],
    ["claude", { denyTools: ["Bash(a)(b)"] }, "invalid_tool_rule"],
    ["claude", { allowTools: [""] }, "invalid_tool_rule"],
    ["claude", { askCaller: true, permissionMode: "dontAsk" }, "ask_caller_conflict"],
    ["claude", { askCaller: true, askTimeoutS: 601 }, "invalid_option"],
    ["claude", { askCaller: true, askTimeoutS: 1.5 }, "invalid_option"],
  ] as const)("%s %j → %s", (type, settings, code) => {
    expect(refused(type, settings as Parameters<typeof claudePermissionOptions>[1])).toBe(code);
  });
});
