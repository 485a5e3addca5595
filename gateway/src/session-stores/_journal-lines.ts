/**
 * The line format of the fs session store's journal (NDJSON, one mutation per line) and its replay.
 *
 * - set: `{"k":"task:a1:01J","e":1730000000000,"v":{"status":"submitted"}}` (`e`, the expiry in epoch ms, only
 *   when the key has a TTL). The value is embedded as JSON, not as a string, so writing a line costs no escaping
 *   and `jq` reads the journal as it is.
 * - delete: `{"k":"task:a1:01J","d":1}`
 *
 * Every line states the whole new state of one key, so replaying a line twice is harmless. Keys need no escaping:
 * `assertKey` allows only `[A-Za-z0-9._:-]`.
 * @module
 */
import { StoreError } from "./_errors.ts";

/** What a replayed line does to the key `key`: `text` is its new JSON value, or `null` when it was deleted. */
export interface JournalChange {
  key: string;
  text: string | null;
  /** Epoch ms, or null when the key never expires. */
  expiresAt: number | null;
}

export interface ReplayResult {
  /** Bytes at the start of the file made of complete, valid lines; whatever follows is a torn write. */
  validBytes: number;
  /** Complete lines replayed. */
  lines: number;
}

const NEWLINE = 0x0a;

export function setLine(key: string, text: string, expiresAt: number | null): string {
  return expiresAt === null
    ? `{"k":"${key}","v":${text}}\n`
    : `{"k":"${key}","e":${expiresAt},"v":${text}}\n`;
}

export function deleteLine(key: string): string {
  return `{"k":"${key}","d":1}\n`;
}

/** The change a line describes, or null when it is not a journal line. */
function parseLine(line: string): JournalChange | null {
  let parsed: { k?: unknown; v?: unknown; e?: unknown; d?: unknown };
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || typeof parsed.k !== "string") return null;
  if (parsed.d === 1) return { key: parsed.k, text: null, expiresAt: null };
  if (!("v" in parsed) || (parsed.e !== undefined && typeof parsed.e !== "number")) return null;
  return { key: parsed.k, text: JSON.stringify(parsed.v), expiresAt: parsed.e ?? null };
}

/**
 * Calls `apply` with each line of `bytes` in order. A crash in the middle of a write leaves a last line without its
 * newline, or (after a power cut) a last line of garbage: both are reported as not valid (`validBytes` stops before
 * them) and the caller truncates them away. An invalid line with valid lines after it is real damage, not a torn
 * write, and throws `corrupt_journal` rather than silently dropping data.
 */
export function replayJournal(
  bytes: Uint8Array,
  path: string,
  apply: (change: JournalChange) => void,
): ReplayResult {
  const complete = bytes.lastIndexOf(NEWLINE) + 1;
  const lines = new TextDecoder().decode(bytes.subarray(0, complete)).split("\n");
  lines.pop(); // the empty string after the final newline
  for (let i = 0; i < lines.length; i++) {
    const change = parseLine(lines[i]!);
    if (change !== null) {
      apply(change);
      continue;
    }
    if (i === lines.length - 1) {
      const tornBytes = new TextEncoder().encode(lines[i]!).length + 1;
      return { validBytes: complete - tornBytes, lines: i };
    }
    throw new StoreError(
      "corrupt_journal",
      `line ${i + 1} of ${path} is not a journal entry and valid entries follow it; repair or delete that line, ` +
        "or move the file aside to start with an empty store",
    );
  }
  return { validBytes: complete, lines: lines.length };
}
