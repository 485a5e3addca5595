/**
 * Creates an adapter by type name. Options are validated by each factory (at creation, not per request).
 * @module
 */
import { type ClaudeAdapterOptions, createClaudeAdapter } from "./claude.ts";
import { type CodexAdapterOptions, createCodexAdapter } from "./codex.ts";
import { createEchoAdapter, type EchoAdapterOptions } from "./echo.ts";
import { createExecAdapter, type ExecAdapterOptions } from "./exec.ts";
import { createGeminiAdapter, type GeminiAdapterOptions } from "./gemini.ts";
import { ADAPTER_TYPES as ADAPTER_TYPE_NAMES } from "./type-names.ts";
import { type AgentAdapter, AgentRunError } from "./types.ts";

export * from "./types.ts";

export interface AdapterOptionsByType {
  echo: EchoAdapterOptions;
  exec: ExecAdapterOptions;
  claude: ClaudeAdapterOptions;
  codex: CodexAdapterOptions;
  gemini: GeminiAdapterOptions;
}
export type AdapterType = keyof AdapterOptionsByType;
// The names live in type-names.ts so that commands can check a type without loading the adapters.
export const ADAPTER_TYPES: readonly AdapterType[] = ADAPTER_TYPE_NAMES;

export function createAdapter<T extends AdapterType>(
  type: T,
  options?: AdapterOptionsByType[T],
): AgentAdapter;
export function createAdapter(type: string, options?: unknown): AgentAdapter;
export function createAdapter(type: string, options: unknown = {}): AgentAdapter {
  switch (type) {
    case "echo":
      return createEchoAdapter(options as EchoAdapterOptions);
    case "exec":
      return createExecAdapter(options as ExecAdapterOptions);
    case "claude":
      return createClaudeAdapter(options as ClaudeAdapterOptions);
    case "codex":
      return createCodexAdapter(options as CodexAdapterOptions);
    case "gemini":
      return createGeminiAdapter(options as GeminiAdapterOptions);
    default:
      throw new AgentRunError(
        "adapter_missing",
        `Unknown agent type "${type}"; use one of ${ADAPTER_TYPES.join(", ")}.`,
      );
  }
}
