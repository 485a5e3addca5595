/**
 * Properties of the fs store's journal replay (gateway/src/session-stores/_journal-lines.ts), on journals built from
 * random batches:
 *
 * - a power cut that lands any subset of the last (unsynced) batch's pages, in any order, and any zeros after it:
 *   replay gives exactly the state of the batches before it, or of all of them when the whole batch landed; it
 *   never refuses the journal, and the bytes it keeps end at a commit line;
 * - damage (zeroed bytes) inside a batch that a complete, committed batch follows is refused with `corrupt_journal`;
 * - any bytes at all: replay returns or refuses with a `StoreError`, nothing else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StoreError } from "../../gateway/src/session-stores/_errors.ts";
import {
  commitLine,
  deleteLine,
  type JournalChange,
  replayJournal,
  setLine,
} from "../../gateway/src/session-stores/_journal-lines.ts";
import { FUZZ_SCALE, FUZZ_TIMEOUT } from "./support/scale.ts";

const PAGE = 16;
const encoder = new TextEncoder();

type Change = { key: string; value: unknown } | { key: string; value: null };

const change: fc.Arbitrary<Change> = fc.record({
  key: fc.constantFrom("task:a:1", "task:a:2", "agent:b", "rate:t:1", "x"),
  value: fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.string({ maxLength: 40 }),
    fc.record({ status: fc.constantFrom("submitted", "working"), note: fc.string({ maxLength: 20 }) }),
  ),
});
const batches = fc.array(fc.array(change, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 8 });

const lineOf = (c: Change) =>
  c.value === null ? deleteLine(c.key) : setLine(c.key, JSON.stringify(c.value), null);
function batchText(batch: Change[]): string {
  const text = batch.map(lineOf).join("");
  return text + commitLine(encoder.encode(text).length);
}

/** The journal as the store writes it: a first commit line, then each batch ended by its own. */
function journal(all: Change[][]): { bytes: Uint8Array; lastStart: number } {
  const head = commitLine(0) + all.slice(0, -1).map(batchText).join("");
  const last = batchText(all.at(-1)!);
  return { bytes: encoder.encode(head + last), lastStart: encoder.encode(head).length };
}

/** Key → JSON text after applying `all` in order. */
function stateOf(all: Change[][]): Map<string, string> {
  const state = new Map<string, string>();
  for (const c of all.flat()) {
    if (c.value === null) state.delete(c.key);
    else state.set(c.key, JSON.stringify(c.value));
  }
  return state;
}

function replayed(bytes: Uint8Array) {
  const state = new Map<string, string>();
  const result = replayJournal(bytes, "journal.ndjson", (c: JournalChange) => {
    if (c.text === null) state.delete(c.key);
    else state.set(c.key, c.text);
  });
  return { state, result };
}

describe("fs journal replay", () => {
  it(
    "keeps every synced batch and all or nothing of a batch whose pages landed in any order",
    FUZZ_TIMEOUT,
    () => {
      fc.assert(
        fc.property(batches, fc.array(fc.boolean(), { maxLength: 64 }), fc.nat(40), (all, landed, zeros) => {
          const { bytes, lastStart } = journal(all);
          // The disk after the cut: the last batch's pages landed or not (zeros), then zero-filled space.
          const disk = new Uint8Array(bytes.length + zeros);
          disk.set(bytes);
          let whole = true;
          for (let page = lastStart, i = 0; page < bytes.length; page += PAGE, i++) {
            if (landed[i] ?? false) continue;
            disk.fill(0, page, Math.min(page + PAGE, bytes.length));
            whole = false;
          }
          const { state, result } = replayed(disk);
          const expected = stateOf(whole ? all : all.slice(0, -1));
          expect(Object.fromEntries(state)).toEqual(Object.fromEntries(expected));
          expect(result.validBytes).toBe(whole ? bytes.length : lastStart);
          expect(result.committed).toBe(true);
        }),
        { numRuns: 300 * FUZZ_SCALE },
      );
    },
  );

  it("refuses zeroed bytes inside a batch that a committed batch follows", FUZZ_TIMEOUT, () => {
    fc.assert(
      fc.property(batches, fc.nat(), fc.integer({ min: 1, max: 24 }), (all, at, length) => {
        const { bytes, lastStart } = journal(all);
        // Inside the batches before the last one (not the first commit line): the last batch is complete after it.
        const first = commitLine(0).length;
        const start = first + (at % (lastStart - first));
        const damaged = bytes.slice();
        damaged.fill(0, start, Math.min(start + length, lastStart));
        expect(() => replayed(damaged)).toThrow(expect.objectContaining({ code: "corrupt_journal" }));
      }),
      { numRuns: 300 * FUZZ_SCALE },
    );
  });

  it("answers any bytes with a replay or a StoreError", FUZZ_TIMEOUT, () => {
    const text = fc.array(
      fc.oneof(
        fc.constantFrom(
          '{"c":0}\n',
          '{"c":1}\n',
          '{"c":-1}\n',
          '{"c":1.5}\n',
          "\n",
          "\u0000",
          '{"k":"a","v":1}\n',
        ),
        fc.string({ maxLength: 20 }),
      ),
      { maxLength: 20 },
    );
    const bytes = fc.oneof(
      text.map((parts) => encoder.encode(parts.join(""))),
      fc.uint8Array({ maxLength: 200 }),
    );
    fc.assert(
      fc.property(bytes, (input) => {
        try {
          const { result } = replayed(input);
          expect(result.validBytes).toBeGreaterThanOrEqual(0);
          expect(result.validBytes).toBeLessThanOrEqual(input.length);
          if (result.validBytes > 0) expect(input[result.validBytes - 1]).toBe(0x0a);
        } catch (error) {
          expect(error).toBeInstanceOf(StoreError);
        }
      }),
      { numRuns: 1000 * FUZZ_SCALE },
    );
  });
});
