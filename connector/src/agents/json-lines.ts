/**
 * Helpers for runtimes that print one JSON object per line. Lines that are not JSON objects (banners, warnings
 * some CLIs print on stdout) are skipped rather than failing the turn.
 * @module
 */

// biome-ignore lint/suspicious/noExplicitAny: runtime events are parsed by field name, never trusted as a type.
export type JsonEvent = Record<string, any>;

export function parseJsonLine(line: string): JsonEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as JsonEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** Tool output can be large; a chunk should stay far below the frame limit. */
const MAX_TOOL_TEXT = 16_384;

function clip(text: string): string {
  return text.length > MAX_TOOL_TEXT
    ? `${text.slice(0, MAX_TOOL_TEXT)}… [${text.length - MAX_TOOL_TEXT} more chars]`
    : text;
}

/** `tool_start` chunk payload, the same JSON shape for every adapter. */
export function toolStartDelta(id: string, name: string, input: unknown): string {
  return JSON.stringify({ id, name, input });
}

/** `tool_result` chunk payload, the same JSON shape for every adapter. */
export function toolResultDelta(id: string, output: unknown, isError: boolean): string {
  const text = typeof output === "string" ? output : JSON.stringify(output ?? "");
  return JSON.stringify({ id, output: clip(text), is_error: isError });
}
