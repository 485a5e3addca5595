/**
 * Checks the owner's permission settings for a connected agent (`--ask-caller`, `--ask-timeout`, `--allow-tool`,
 * `--deny-tool`) and turns them into Claude adapter options. Only Claude Code can relay a permission question to
 * the caller (its `--permission-prompt-tool`); Codex and Gemini are refused with a sentence saying what to use.
 * @module
 */
import { CliError } from "../cli/errors.ts";
import type { CallerPromptOptions } from "./claude-prompt-tool.ts";

export interface PermissionSettings {
  askCaller?: boolean;
  askTimeoutS?: number;
  allowTools?: string[];
  denyTools?: string[];
  permissionMode?: string;
}

export interface ClaudePermissionOptions {
  askCaller?: CallerPromptOptions;
  allowedTools?: string[];
  disallowedTools?: string[];
}

/** Under the connector's 15-minute idle limit: Claude prints nothing while it waits for an answer. */
export const MAX_ASK_TIMEOUT_S = 600;

/** A tool name, optionally with a specifier in parentheses: `Write`, `Bash(git status)`, `mcp__github`. */
const TOOL_RULE = /^[A-Za-z][\w-]*(\([^()]*\))?$/;

const REFUSALS: Record<string, string> = {
  codex:
    "--ask-caller needs Claude Code: `codex exec` never asks (it runs within its --permission-mode sandbox and refuses the rest), so there is nothing to relay; choose a sandbox with --permission-mode instead.",
  gemini:
    "--ask-caller needs Claude Code: Gemini CLI's non-interactive mode cannot wait for an approval (tools needing one are refused), so there is nothing to relay; choose --permission-mode default, auto_edit or plan instead.",
};

export function claudePermissionOptions(type: string, settings: PermissionSettings): ClaudePermissionOptions {
  const rules = [...(settings.allowTools ?? []), ...(settings.denyTools ?? [])];
  if (type !== "claude") {
    if (settings.askCaller) {
      throw new CliError(
        "ask_caller_unsupported",
        REFUSALS[type] ?? `--ask-caller needs Claude Code; the ${type} adapter runs no tools to approve.`,
      );
    }
    if (rules.length) {
      throw new CliError(
        "tool_rules_unsupported",
        `--allow-tool and --deny-tool are Claude Code rules; the ${type} adapter cannot apply them (use --permission-mode).`,
      );
    }
    return {};
  }
  const bad = rules.find((rule) => !TOOL_RULE.test(rule));
  if (bad !== undefined) {
    throw new CliError(
      "invalid_tool_rule",
      `"${bad}" is not a tool rule: write a tool name, optionally with a pattern, e.g. Write or "Bash(git status)".`,
    );
  }
  if (settings.askCaller && ["bypassPermissions", "dontAsk"].includes(settings.permissionMode ?? "")) {
    throw new CliError(
      "ask_caller_conflict",
      `--ask-caller has nothing to ask with --permission-mode ${settings.permissionMode} (Claude never prompts in it); use default, acceptEdits or plan.`,
    );
  }
  const timeout = settings.askTimeoutS;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1 && timeout <= MAX_ASK_TIMEOUT_S)) {
    throw new CliError(
      "invalid_option",
      `--ask-timeout is a whole number of seconds from 1 to ${MAX_ASK_TIMEOUT_S}.`,
    );
  }
  return {
    askCaller: settings.askCaller
      ? { timeoutMs: timeout === undefined ? undefined : timeout * 1000 }
      : undefined,
    allowedTools: settings.allowTools?.length ? settings.allowTools : undefined,
    disallowedTools: settings.denyTools?.length ? settings.denyTools : undefined,
  };
}
