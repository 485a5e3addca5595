/**
 * Prints an agent's stream for a person: text as it arrives, thinking dimmed (or hidden), tool calls as one
 * compact line each (`⏺ Bash(ls -la)` / `  ⎿ 12 lines`), status notices dimmed, attachments listed at the end.
 *
 * All of it is the agent's (another person's) text. Status, tool and attachment lines always show control
 * characters instead of obeying them (`printableLine`); the reply and thinking text do so only when stdout is a
 * terminal, so `agent-mesh call ... > out.txt` keeps the reply byte for byte (docs/cli.md, "Text from others").
 * @module
 */
import type { ChunkEvent, DoneEvent } from "./message-stream.ts";
import { dim } from "./output.ts";
import { printableFor, printableLine } from "./terminal-text.ts";

export interface RenderOptions {
  thinking: boolean;
}

export class StreamRenderer {
  readonly #options: RenderOptions;
  /** What the last printed chunk was, to put line breaks between kinds. */
  #lastKind: string | undefined;
  #atLineStart = true;

  constructor(options: RenderOptions) {
    this.#options = options;
  }

  chunk(chunk: ChunkEvent): void {
    const text = printableFor(process.stdout, chunk.delta);
    switch (chunk.kind) {
      case "thinking":
        if (!this.#options.thinking) return;
        this.#switchTo("thinking");
        return this.#write(dim(text), text);
      case "tool_start":
        return this.#line(`⏺ ${printableLine(toolStart(chunk.delta))}`);
      case "tool_result":
        return this.#line(dim(`  ⎿ ${printableLine(toolResult(chunk.delta))}`));
      case "status":
        return this.#line(dim(`· ${printableLine(chunk.delta)}`));
      default:
        this.#switchTo("text");
        return this.#write(text, text);
    }
  }

  /** Ends the output: a final newline, then the attachments. */
  done(done: DoneEvent, streamedText: boolean): void {
    if (!streamedText && done.result) {
      const result = printableFor(process.stdout, done.result);
      this.#write(result, result);
    }
    this.finish();
    for (const file of done.attachments)
      process.stdout.write(
        `${dim(`attachment: ${printableLine(file.name)} (${file.size} bytes) ${file.url}`)}\n`,
      );
  }

  finish(): void {
    if (!this.#atLineStart) process.stdout.write("\n");
    this.#atLineStart = true;
    this.#lastKind = undefined;
  }

  #switchTo(kind: string): void {
    if (this.#lastKind && this.#lastKind !== kind && !this.#atLineStart) {
      process.stdout.write("\n");
      this.#atLineStart = true;
    }
    this.#lastKind = kind;
  }

  #write(styled: string, plain: string): void {
    if (!plain) return;
    process.stdout.write(styled);
    this.#atLineStart = plain.endsWith("\n");
  }

  #line(text: string): void {
    if (!this.#atLineStart) process.stdout.write("\n");
    process.stdout.write(`${text}\n`);
    this.#atLineStart = true;
    this.#lastKind = "tool";
  }
}

const MAX_SUMMARY = 80;

function shorten(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line;
}

/** `{id, name, input}` → `Bash(ls -la)`; the input's first string value stands for the whole. */
function toolStart(delta: string): string {
  try {
    const { name, input } = JSON.parse(delta) as { name?: string; input?: unknown };
    const first =
      input && typeof input === "object"
        ? Object.values(input).find((v) => typeof v === "string")
        : typeof input === "string"
          ? input
          : undefined;
    const args = first ?? (input && Object.keys(input).length ? JSON.stringify(input) : "");
    return `${name ?? "tool"}(${shorten(String(args))})`;
  } catch {
    return shorten(delta);
  }
}

/** `{id, output, is_error}` → the first line of the output and how many lines there were. */
function toolResult(delta: string): string {
  try {
    const { output, is_error } = JSON.parse(delta) as { output?: unknown; is_error?: boolean };
    const text = typeof output === "string" ? output : JSON.stringify(output ?? "");
    const lines = text.split("\n").filter((l) => l.trim());
    const head = lines.length ? shorten(lines[0]!) : "(no output)";
    const more = lines.length > 1 ? ` (+${lines.length - 1} lines)` : "";
    return `${is_error ? "error: " : ""}${head}${more}`;
  } catch {
    return shorten(delta);
  }
}
