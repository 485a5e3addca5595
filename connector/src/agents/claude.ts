/**
 * Claude Code adapter: one `claude -p` process per turn, prompt on stdin (never argv), stream-json out.
 * Text and thinking come from the partial stream events only; full `assistant` messages are not re-emitted
 * (parsing both is what triplicated the text in the system we replace). The permission mode is an explicit
 * option: nothing here ever turns on bypassPermissions by itself.
 * @module
 */

import { CLAUDE_MESH_TOOLS, type MeshServer } from "../mesh/agent-tools.ts";
import { type CallerPromptOptions, wireClaudePrompts } from "../permissions/claude-prompt-tool.ts";
import { type JsonEvent, parseJsonLine, toolResultDelta, toolStartDelta } from "./json-lines.ts";
import { describeExit, runAgentCli } from "./process.ts";
import { resolveBinary } from "./resolve-binary.ts";
import { type AgentAdapter, type AgentChunk, AgentRunError, type ProcessAdapterOptions } from "./types.ts";

export type ClaudePermissionMode = "default" | "acceptEdits" | "plan" | "dontAsk" | "bypassPermissions";

export interface ClaudeAdapterOptions extends ProcessAdapterOptions {
  /** Passed as `--permission-mode`; omitted → Claude's own default (read-only tools run, edits are denied). */
  permissionMode?: ClaudePermissionMode;
  /** Passed as `--allowedTools` (e.g. `Bash(npm test:*)`). */
  allowedTools?: string[];
  /** Passed as `--disallowedTools` (e.g. `Bash(git push:*)`): denied without asking anyone. */
  disallowedTools?: string[];
  /** Passed as `--model`. */
  model?: string;
  /**
   * Relay permission prompts to the caller of each request (`agent-mesh connect claude --ask-caller`): tool uses
   * that need approval are asked through `request.ask`; no answer within the timeout denies.
   */
  askCaller?: CallerPromptOptions;
  /** The mesh tools (`agent-mesh mcp --as <this agent>`), on unless the owner connected with --no-mesh-tools. */
  meshTools?: MeshServer;
}

const NPM_PACKAGE = "@anthropic-ai/claude-code";

export function createClaudeAdapter(options: ClaudeAdapterOptions = {}): AgentAdapter {
  const binary = options.command ?? "claude";
  return {
    type: "claude",
    check: async () => {
      await resolveBinary(binary, { npmPackage: NPM_PACKAGE });
    },
    async run(request, emit) {
      const command = await resolveBinary(binary, { npmPackage: NPM_PACKAGE });
      const args = [
        ...(options.args ?? []),
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
      ];
      if (options.permissionMode) args.push("--permission-mode", options.permissionMode);
      const allowed = [...(options.allowedTools ?? []), ...(options.meshTools ? [CLAUDE_MESH_TOOLS] : [])];
      if (allowed.length) args.push("--allowedTools", allowed.join(","));
      if (options.disallowedTools?.length) args.push("--disallowedTools", options.disallowedTools.join(","));
      if (options.model) args.push("--model", options.model);
      if (request.resumeId) args.push("--resume", request.resumeId);
      const parser = new ClaudeStreamParser(emit);
      const prompts = options.askCaller
        ? await wireClaudePrompts(request.ask, request, emit, options.askCaller)
        : undefined;
      args.push(...mcpArgs(prompts?.args ?? [], options.meshTools));
      const run = prompts ? { ...request, env: { ...request.env, ...prompts.env } } : request;
      const outcome = await runAgentCli("claude", command, args, run, options, (line) =>
        parser.line(line),
      ).finally(() => prompts?.close());
      const final = parser.final;
      if (final?.error) throw final.error;
      if (final) return { result: final.text, resumeId: parser.sessionId };
      if (outcome.exitCode === 0) return { result: parser.text, resumeId: parser.sessionId };
      throw new AgentRunError("adapter_failed", describeExit("claude", outcome));
    },
  };
}

/**
 * One `--mcp-config` with every MCP server this run needs: the permission-prompt channel (its flags come from
 * wireClaudePrompts) and the mesh tools.
 */
function mcpArgs(promptArgs: string[], mesh: MeshServer | undefined): string[] {
  if (!mesh) return promptArgs;
  const at = promptArgs.indexOf("--mcp-config");
  const config =
    at === -1
      ? { mcpServers: {} }
      : (JSON.parse(promptArgs[at + 1]!) as { mcpServers: Record<string, unknown> });
  // `alwaysLoad`: `claude -p` does not wait for MCP servers by default, so a mesh server slower to start than the
  // first model call ("still connecting", claude 2.1.197) left the model without the tools; this one it waits for
  // (a server that fails to start still only costs the tools).
  config.mcpServers.mesh = { type: "stdio", ...mesh, alwaysLoad: true };
  const rest = at === -1 ? promptArgs : [...promptArgs.slice(0, at), ...promptArgs.slice(at + 2)];
  return ["--mcp-config", JSON.stringify(config), ...rest];
}

interface Block {
  type: string;
  id?: string;
  name?: string;
  json: string;
}

/** Turns Claude's stream-json lines into chunks; keeps the session id and the final verdict. */
export class ClaudeStreamParser {
  sessionId: string | undefined;
  /** Text streamed so far (used when the process exits 0 without a result line). */
  text = "";
  final: { text: string; error?: AgentRunError } | undefined;
  readonly #blocks = new Map<number, Block>();
  readonly #emit: (chunk: AgentChunk) => void;

  constructor(emit: (chunk: AgentChunk) => void) {
    this.#emit = emit;
  }

  line(line: string): void {
    const event = parseJsonLine(line);
    if (!event) return;
    if (typeof event.session_id === "string") this.sessionId = event.session_id;
    if (event.type === "stream_event" && !event.parent_tool_use_id) this.#stream(event.event ?? {});
    else if (event.type === "user") this.#toolResults(event);
    else if (event.type === "result") this.#result(event);
  }

  #stream(event: JsonEvent): void {
    const index = Number(event.index);
    if (event.type === "content_block_start") {
      const block = event.content_block ?? {};
      this.#blocks.set(index, { type: String(block.type), id: block.id, name: block.name, json: "" });
      return;
    }
    const block = this.#blocks.get(index);
    if (event.type === "content_block_delta") {
      const delta = event.delta ?? {};
      if (delta.type === "text_delta" && typeof delta.text === "string") {
        if (block?.type === "thinking") return this.#emit({ kind: "thinking", delta: delta.text });
        this.text += delta.text;
        this.#emit({ kind: "text", delta: delta.text });
      } else if (delta.type === "thinking_delta" && typeof delta.thinking === "string") {
        this.#emit({ kind: "thinking", delta: delta.thinking });
      } else if (delta.type === "input_json_delta" && block && typeof delta.partial_json === "string") {
        block.json += delta.partial_json;
      }
    } else if (event.type === "content_block_stop" && block) {
      this.#blocks.delete(index);
      if (block.type === "tool_use" || block.type === "server_tool_use") {
        this.#emit({
          kind: "tool_start",
          delta: toolStartDelta(block.id ?? "", block.name ?? "", parseInput(block.json)),
        });
      }
    } else if (event.type === "message_start") {
      this.#blocks.clear();
    }
  }

  #toolResults(event: JsonEvent): void {
    const content = event.message?.content;
    if (!Array.isArray(content) || event.parent_tool_use_id) return;
    for (const block of content) {
      if (block?.type !== "tool_result") continue;
      const output = Array.isArray(block.content)
        ? block.content.map((part: JsonEvent) => (typeof part?.text === "string" ? part.text : "")).join("")
        : block.content;
      this.#emit({
        kind: "tool_result",
        delta: toolResultDelta(String(block.tool_use_id ?? ""), output, block.is_error === true),
      });
    }
  }

  #result(event: JsonEvent): void {
    const denials = Array.isArray(event.permission_denials) ? event.permission_denials : [];
    if (denials.length) {
      const names = denials.map((d: JsonEvent) => String(d?.tool_name ?? "tool")).join(", ");
      this.#emit({
        kind: "status",
        delta: `Permission denied for: ${names} (see the claude adapter's permissionMode).`,
      });
    }
    const errors: string[] = Array.isArray(event.errors) ? event.errors.map(String) : [];
    if (errors.some((e) => e.includes("No conversation found"))) {
      this.final = { text: "", error: new AgentRunError("resume_not_found", errors.join("; ")) };
    } else if (event.is_error === true || (event.subtype && event.subtype !== "success")) {
      const message = typeof event.result === "string" && event.result ? event.result : errors.join("; ");
      this.final = {
        text: "",
        error: new AgentRunError("agent_error", message || `claude failed (${event.subtype}).`),
      };
    } else {
      this.final = { text: typeof event.result === "string" ? event.result : this.text };
    }
  }
}

function parseInput(json: string): unknown {
  try {
    return json ? JSON.parse(json) : {};
  } catch {
    return json;
  }
}
