/**
 * Gemini CLI adapter: `gemini -p "" -o stream-json` with the prompt on stdin (`-p` text is appended to stdin,
 * so an empty `-p` selects headless mode and leaves the prompt to stdin; verified with 0.61.0), and
 * `--resume <session_id>` for later turns. Approval mode is an explicit option (headless default mode does not
 * even register the shell tool).
 * @module
 */
import { join } from "node:path";
import type { MeshServer } from "../mesh/agent-tools.ts";
import { geminiMeshEntry } from "../mesh/runtime-configs.ts";
import { syncGeminiMeshSettings } from "./gemini-mesh-settings.ts";
import { type JsonEvent, parseJsonLine, toolResultDelta, toolStartDelta } from "./json-lines.ts";
import { describeExit, runAgentCli } from "./process.ts";
import { resolveBinary } from "./resolve-binary.ts";
import { type AgentAdapter, type AgentChunk, AgentRunError, type ProcessAdapterOptions } from "./types.ts";

export type GeminiApprovalMode = "default" | "auto_edit" | "yolo" | "plan";

export interface GeminiAdapterOptions extends ProcessAdapterOptions {
  /** Passed as `--approval-mode`; omitted → Gemini's default (tools needing approval are unavailable headless). */
  approvalMode?: GeminiApprovalMode;
  /** Passed as `-m` (also skips Gemini's routing call). */
  model?: string;
  /**
   * The mesh tools (`agent-mesh mcp --as <this agent>`), on unless the owner connected with --no-mesh-tools:
   * written into each caller's workspace settings (gemini-mesh-settings.ts).
   */
  meshTools?: MeshServer;
  /** The project whose `.gemini` folder the workspace settings start from. */
  projectDir?: string;
}

const NPM_PACKAGE = "@google/gemini-cli";

export function createGeminiAdapter(options: GeminiAdapterOptions = {}): AgentAdapter {
  const binary = options.command ?? "gemini";
  return {
    type: "gemini",
    check: async () => {
      await resolveBinary(binary, { npmPackage: NPM_PACKAGE });
    },
    async run(request, emit) {
      const command = await resolveBinary(binary, { npmPackage: NPM_PACKAGE });
      const args = [...(options.args ?? []), "-p", "", "-o", "stream-json"];
      if (options.approvalMode) args.push("--approval-mode", options.approvalMode);
      if (options.model) args.push("-m", options.model);
      if (request.resumeId) args.push("--resume", request.resumeId);
      const parser = new GeminiEventParser(emit);
      await syncMesh(request.cwd, options, emit);
      const outcome = await runAgentCli("gemini", command, args, request, options, (line) =>
        parser.line(line),
      );
      if (parser.failure) throw new AgentRunError("agent_error", parser.failure);
      if (parser.succeeded) return { result: parser.finalText, resumeId: parser.sessionId };
      if (request.resumeId && !parser.sessionId && /session|resume/i.test(outcome.stderrTail)) {
        throw new AgentRunError("resume_not_found", describeExit("gemini", outcome));
      }
      if (outcome.exitCode === 0) return { result: parser.finalText, resumeId: parser.sessionId };
      const detail = parser.lastError ? ` (${parser.lastError})` : "";
      throw new AgentRunError("adapter_failed", describeExit("gemini", outcome) + detail);
    },
  };
}

/** Workspace settings with (or, once turned off, without) the mesh server; a failure only costs the tools. */
async function syncMesh(cwd: string, options: GeminiAdapterOptions, emit: (chunk: AgentChunk) => void) {
  const project = options.projectDir ? join(options.projectDir, ".gemini") : undefined;
  const sync = () =>
    syncGeminiMeshSettings(cwd, project, options.meshTools && geminiMeshEntry(options.meshTools));
  try {
    // A second request of the same caller may be replacing the same link at this moment: once more then.
    await sync().catch(sync);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const what = options.meshTools
      ? "The mesh tools are off for this turn"
      : "Removing the mesh tools failed";
    emit({ kind: "status", delta: `${what}: ${reason}.` });
  }
}

export class GeminiEventParser {
  sessionId: string | undefined;
  /** Assistant text after the last tool call: the answer of the turn. */
  finalText = "";
  succeeded = false;
  failure: string | undefined;
  lastError: string | undefined;
  readonly #emit: (chunk: AgentChunk) => void;

  constructor(emit: (chunk: AgentChunk) => void) {
    this.#emit = emit;
  }

  line(line: string): void {
    const event = parseJsonLine(line);
    if (!event) return;
    switch (event.type) {
      case "init":
        if (typeof event.session_id === "string") this.sessionId = event.session_id;
        return;
      case "message":
        return this.#message(event);
      case "tool_use":
        this.finalText = "";
        this.#emit({
          kind: "tool_start",
          delta: toolStartDelta(
            String(event.tool_id ?? ""),
            String(event.tool_name ?? ""),
            event.parameters ?? {},
          ),
        });
        return;
      case "tool_result":
        this.#emit({
          kind: "tool_result",
          delta: toolResultDelta(
            String(event.tool_id ?? ""),
            event.output ?? event.error?.message ?? "",
            event.status !== "success",
          ),
        });
        return;
      case "error":
        this.lastError = String(event.message ?? "");
        return;
      case "result":
        if (event.status === "success") this.succeeded = true;
        else
          this.failure = String(event.error?.message ?? this.lastError ?? "gemini reported a failed turn.");
        return;
    }
  }

  #message(event: JsonEvent): void {
    if (event.role !== "assistant" || typeof event.content !== "string") return;
    if (event.thought === true) return this.#emit({ kind: "thinking", delta: event.content });
    this.finalText += event.content;
    this.#emit({ kind: "text", delta: event.content });
  }
}
