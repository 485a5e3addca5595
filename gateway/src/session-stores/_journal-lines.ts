/**
 * The line format of the fs session store's journal (NDJSON, one mutation per line) and its replay.
 *
 * - set: `{"k":"task:a1:01J","e":1730000000000,"v":{"status":"submitted"}}` (`e`, the expiry in epoch ms, only
 *   when the key has a TTL). The value is embedded as JSON, not as a string, so writing a line costs no escaping
 *   and `jq` reads the journal as it is (once the zeros that follow a running journal's data are stripped).
 * - delete: `{"k":"task:a1:01J","d":1}`
 * - commit: `{"c":153}` ends every batch the journal writes and gives the bytes before it that the batch holds
 *   (`{"c":0}` commits everything before it: written when a journal is created or converted, and after a
 *   compaction's snapshot). A batch counts only once its commit line is read. Bytes rather than lines, so that
 *   damage which merges lines (a lost newline) cannot make a later batch seem to hold the broken line.
 *
 * Every line states the whole new state of one key, so replaying a line twice is harmless. Keys need no escaping:
 * `assertKey` allows only `[A-Za-z0-9._:-]`.
 *
 * Why commit lines: in sync mode `always` the journal overwrites space it zero-filled ahead of time
 * (`_journal-file.ts`), and a power cut can land an unsynced batch's pages in any order: a later page on disk, an
 * earlier one still zeros. Without a commit line those later lines could not be told from lines after real damage.
 * With them: a batch is synced only after every batch before it, so a complete, committed batch after a broken
 * line proves damage (`corrupt_journal`), while a commit line whose own batch holds the broken line belongs to the
 * torn last batch, which was never acknowledged and is dropped.
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
  /**
   * Bytes at the start of the file that hold what was replayed; whatever follows is a torn write (or the zero-filled
   * space ahead of the data) and is cut off before the next write.
   */
  validBytes: number;
  /** Whether the journal has commit lines; one without is of the format before them and gets one on open. */
  committed: boolean;
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

/** The line that ends a batch of `batchBytes` bytes (0: commits everything before it). */
export function commitLine(batchBytes: number): string {
  return `{"c":${batchBytes}}\n`;
}

/**
 * The value's JSON as `setLine` wrote it, cut from the line, or null when the line is not in that shape. Cut rather
 * than serialized again from the parsed value: quicker, and one flat string, where the serializer hands back a
 * large value in pieces that the first read of the value then copies into one.
 */
function valueText(line: string, parsed: { k: string; e?: unknown }, members: number): string | null {
  const head = parsed.e === undefined ? `{"k":"${parsed.k}","v":` : `{"k":"${parsed.k}","e":${parsed.e},"v":`;
  if (members !== (parsed.e === undefined ? 2 : 3) || !line.startsWith(head) || !line.endsWith("}"))
    return null;
  const text = line.slice(head.length, -1);
  // What follows the value could still be a repeated member (`…,"v":2}`: JSON.parse keeps the last): not a line
  // of setLine's, so such a line is read by its parsed value.
  return /"[kev]"/.test(text) ? null : text;
}

/** A commit line: the bytes before it that its batch holds. */
interface Commit {
  batchBytes: number;
}

/** The byte offset of the last complete line of `bytes` (those before `complete`). */
function lastLineAt(bytes: Uint8Array, complete: number): number {
  return complete < 2 ? 0 : bytes.lastIndexOf(NEWLINE, complete - 2) + 1;
}

/** What the line of `bytes` from `start` to `end` says: a change, a commit, or null when it is not a journal line. */
function parseLine(
  bytes: Uint8Array,
  start: number,
  end: number,
  decoder: TextDecoder,
): JournalChange | Commit | null {
  if (bytes[start] === 0) return null; // zero-filled space: not worth parsing (it can be megabytes long)
  let parsed: { k?: unknown; v?: unknown; e?: unknown; d?: unknown; c?: unknown };
  let line: string;
  try {
    line = decoder.decode(bytes.subarray(start, end));
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  if (typeof parsed.k !== "string") {
    const { c } = parsed;
    return typeof c === "number" && Number.isSafeInteger(c) && c >= 0 ? { batchBytes: c } : null;
  }
  if (parsed.d === 1) return { key: parsed.k, text: null, expiresAt: null };
  if (!("v" in parsed) || (parsed.e !== undefined && typeof parsed.e !== "number")) return null;
  return {
    key: parsed.k,
    text:
      valueText(line, { k: parsed.k, e: parsed.e }, Object.keys(parsed).length) ?? JSON.stringify(parsed.v),
    expiresAt: parsed.e ?? null,
  };
}

/**
 * Calls `apply` with each committed change of `bytes` in order (see the module comment).
 *
 * - A journal with commit lines: changes count once their batch's commit line is read. What follows the last
 *   commit (a torn batch, zero-filled space) is not valid. A committed batch that begins after a line that is not a
 *   journal line is damage, not a torn write, and throws `corrupt_journal` rather than silently dropping data.
 * - A journal written before commit lines: every line counts. A crash in the middle of a write leaves a last line
 *   without its newline, or (after a power cut) a last line of garbage: both are not valid. An invalid line with
 *   any line after it throws `corrupt_journal`.
 *
 * Offsets are counted in bytes, beside the decoded lines (a newline byte is never part of a longer UTF-8 sequence,
 * so line `i` of the text is the bytes before the `i`-th newline even where a torn line is not UTF-8).
 */
export function replayJournal(
  bytes: Uint8Array,
  path: string,
  apply: (change: JournalChange) => void,
): ReplayResult {
  const complete = bytes.lastIndexOf(NEWLINE) + 1;
  // Line by line: decoding the whole journal into one string first held it all in the heap beside the entries
  // being built, about twice the live data at the peak of a start (a Node gateway near its heap limit then died
  // while replaying a journal it had been running with).
  const decoder = new TextDecoder();
  const damaged = (line: number) =>
    new StoreError(
      "corrupt_journal",
      `line ${line + 1} of ${path} is not a journal entry and valid entries follow it; repair or delete that line, ` +
        "or move the file aside to start with an empty store",
    );
  let pending: JournalChange[] = [];
  /** Bytes up to the last commit line read; whether there was one. */
  let committedBytes = 0;
  let committed = false;
  /** The first line since then that is not a journal line (-1: none), and its byte offset. */
  let firstInvalid = -1;
  let firstInvalidAt = 0;
  for (let i = 0, start = 0; start < complete; i++) {
    const end = bytes.indexOf(NEWLINE, start);
    const entry = parseLine(bytes, start, end, decoder);
    if (entry !== null && "batchBytes" in entry) {
      const batchStart = start - entry.batchBytes;
      if (firstInvalid === -1 && batchStart >= committedBytes) {
        for (const change of pending) apply(change);
        pending = [];
        committedBytes = end + 1;
        committed = true;
      } else if (firstInvalid !== -1 && batchStart > firstInvalidAt) {
        throw damaged(firstInvalid);
      } else if (firstInvalid === -1) {
        // A commit line claiming bytes already committed is not one this store wrote.
        firstInvalid = i;
        firstInvalidAt = start;
      } // else: the commit line of the torn batch that holds the broken line
    } else if (entry === null) {
      if (firstInvalid === -1) {
        firstInvalid = i;
        firstInvalidAt = start;
      }
    } else if (firstInvalid === -1) {
      pending.push(entry);
    }
    start = end + 1;
  }
  if (committed) return { validBytes: committedBytes, committed };
  // The format before commit lines: only the very last line may be broken.
  if (firstInvalid !== -1 && firstInvalidAt !== lastLineAt(bytes, complete)) throw damaged(firstInvalid);
  for (const change of pending) apply(change);
  return { validBytes: firstInvalid === -1 ? complete : firstInvalidAt, committed };
}
