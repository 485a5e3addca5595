/**
 * Codex CLI adapter: `codex exec --json --skip-git-repo-check … -` with the prompt on stdin (`-` makes codex
 * read it from stdin; verified with 0.169.0), `codex exec … resume <thread_id> -` for later turns.
 * `exec --json` prints whole items, not token deltas, so each agent message arrives as one text chunk.
 * @module
 */

import type { MeshServer } from "../mesh/agent-tools.ts";
import { codexMeshOverrides } from "../mesh/runtime-configs.ts";
import { codexTempDirEnv } from "./codex-temp-dir.ts";
import { type JsonEvent, parseJsonLine, toolResultDelta, toolStartDelta } from "./json-lines.ts";
import { describeExit, runAgentCli, runEnv } from "./process.ts";
import { resolveBinary } from "./resolve-binary.ts";
import { type AgentAdapter, type AgentChunk, AgentRunError, type ProcessAdapterOptions } from "./types.ts";

export type CodexSandbox = "read-only" | "workspace-write" | "danger-full-access";

export interface CodexAdapterOptions extends ProcessAdapterOptions {
  /** Passed as `-s`; omitted → Codex's own default for `exec` (read-only). */
  sandbox?: CodexSandbox;
  /** Passed as `-m`. */
  model?: string;
  /** `key=value` config overrides, each passed as `-c` (e.g. a custom model provider). */
  config?: string[];
  /** The mesh tools (`agent-mesh mcp --as <this agent>`), on unless the owner connected with --no-mesh-tools. */
  meshTools?: MeshServer;
}

const NPM_PACKAGE = "@openai/codex";

export function createCodexAdapter(options: CodexAdapterOptions = {}): AgentAdapter {
  const binary = options.command ?? "codex";
  return {
    type: "codex",
    check: async () => {
      await resolveBinary(binary, { npmPackage: NPM_PACKAGE });
    },
    async run(request, emit) {
      const command = await resolveBinary(binary, { npmPackage: NPM_PACKAGE });
      const args = [...(options.args ?? []), "exec", "--json", "--skip-git-repo-check"];
      // Under --sandbox ours replaces Codex's own: its bubblewrap cannot start inside ours (no user namespaces
      // there, by design), so Codex runs unconfined *inside* our sandbox and its read-only mode becomes a
      // read-only workspace mount (docs/sandbox.md).
      if (options.processSandbox) args.push("-s", "danger-full-access");
      else if (options.sandbox) args.push("-s", options.sandbox);
      if (options.model) args.push("-m", options.model);
      for (const entry of options.config ?? []) args.push("-c", entry);
      if (options.meshTools) args.push(...codexMeshOverrides(options.meshTools));
      if (request.resumeId) args.push("resume", request.resumeId);
      args.push("-");
      const parser = new CodexEventParser(emit);
      const extra = {
        env: codexTempDirEnv(runEnv(options.env, request)),
        readOnlyWorkspace: (options.sandbox ?? "read-only") === "read-only",
      };
      const outcome = await runAgentCli(
        "codex",
        command,
        args,
        request,
        options,
        (line) => parser.line(line),
        extra,
      );
      if (parser.failure) throw new AgentRunError("agent_error", parser.failure);
      if (outcome.exitCode !== 0) {
        const detail = parser.lastError ? `: ${parser.lastError}` : "";
        if (request.resumeId && !parser.threadId) {
          throw new AgentRunError(
            "resume_not_found",
            `codex could not resume thread ${request.resumeId}${detail}`,
          );
        }
        throw new AgentRunError("adapter_failed", describeExit("codex", outcome) + detail);
      }
      return { result: parser.lastMessage, resumeId: parser.threadId ?? request.resumeId };
    },
  };
}

/** Item types that are the agent talking, not acting. */
const MESSAGE_ITEMS = new Set(["agent_message", "reasoning", "error", "todo_list"]);

export class CodexEventParser {
  threadId: string | undefined;
  lastMessage = "";
  /** The turn failed (turn.failed): the message to show. */
  failure: string | undefined;
  /** Last `error` event (reconnects, stream errors), used to explain a non-zero exit. */
  lastError: string | undefined;
  readonly #emit: (chunk: AgentChunk) => void;

  constructor(emit: (chunk: AgentChunk) => void) {
    this.#emit = emit;
  }

  line(line: string): void {
    const event = parseJsonLine(line);
    if (!event) return;
    switch (event.type) {
      case "thread.started":
        if (typeof event.thread_id === "string") this.threadId = event.thread_id;
        return;
      case "item.started":
        return this.#started(event.item ?? {});
      case "item.completed":
        return this.#completed(event.item ?? {});
      case "turn.failed":
        this.failure = String(event.error?.message ?? "codex reported a failed turn.");
        return;
      case "error":
        this.lastError = String(event.message ?? "");
        return;
    }
  }

  #started(item: JsonEvent): void {
    if (MESSAGE_ITEMS.has(item.type)) return;
    this.#emit({
      kind: "tool_start",
      delta: toolStartDelta(String(item.id ?? ""), String(item.type), toolInput(item)),
    });
  }

  #completed(item: JsonEvent): void {
    if (item.type === "agent_message" && typeof item.text === "string") {
      this.lastMessage = item.text;
      this.#emit({ kind: "text", delta: item.text });
    } else if (item.type === "reasoning" && typeof item.text === "string") {
      this.#emit({ kind: "thinking", delta: item.text });
    } else if (item.type === "error") {
      // Codex reports non-fatal notices (e.g. unknown model metadata) as error items; fatal ones end the turn.
      this.lastError = String(item.message ?? "");
    } else if (!MESSAGE_ITEMS.has(item.type)) {
      const failed = item.status === "failed" || (typeof item.exit_code === "number" && item.exit_code !== 0);
      const output = item.aggregated_output ?? item.result ?? item.changes ?? item.error ?? "";
      this.#emit({ kind: "tool_result", delta: toolResultDelta(String(item.id ?? ""), output, failed) });
    }
  }
}

function toolInput(item: JsonEvent): unknown {
  if (item.type === "command_execution") return { command: item.command };
  const { id: _id, type: _type, status: _status, ...rest } = item;
  return rest;
}
