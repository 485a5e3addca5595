/**
 * `parseConnectorFrame` picks the schema by `type` and checks chunks by hand (the hot path); it must accept and
 * refuse exactly what the protocol's `ConnectorFrame` schema does, with the same reasons for an unknown type.
 */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ConnectorFrame } from "../../gateway/src/protocol/index.ts";
import { parseConnectorFrame } from "../../gateway/src/relay/parse-frame.ts";

const ids: unknown[] = ["r1", "", "x".repeat(128), "x".repeat(129), 7, null, undefined];
const seqs: unknown[] = [1, 2, 0, -1, 1.5, "1", Number.NaN, Number.POSITIVE_INFINITY, undefined];
const deltas: unknown[] = ["hi", "", 3, null, undefined];
const kinds: unknown[] = [
  undefined,
  "text",
  "thinking",
  "tool_start",
  "tool_result",
  "status",
  "TEXT",
  1,
  null,
];

function* chunkCandidates(): Generator<Record<string, unknown>> {
  for (const id of ids)
    for (const seq of seqs)
      for (const delta of deltas)
        for (const kind of kinds) {
          const frame: Record<string, unknown> = { type: "chunk", id, seq, delta, kind };
          for (const key of Object.keys(frame)) if (frame[key] === undefined) delete frame[key];
          yield frame;
        }
  yield { type: "chunk", id: "r1", seq: 1, delta: "x", extra: { deep: true } };
}

function* doneCandidates(): Generator<Record<string, unknown>> {
  const results: unknown[] = ["ok", "", 3, null, undefined];
  const inputRequired: unknown[] = [undefined, true, false, "yes", null];
  const attachments: unknown[] = [
    undefined,
    [],
    [{ name: "a.txt", size: 1, url: "https://example.test/a.txt" }],
    [{ name: "a.txt", size: -1, url: "https://example.test/a.txt" }],
    "a.txt",
  ];
  for (const id of ids)
    for (const seq of seqs)
      for (const result of results)
        for (const input_required of inputRequired)
          for (const files of attachments) {
            const frame: Record<string, unknown> = { type: "done", id, seq, result, input_required };
            if (files !== undefined) frame.attachments = files;
            for (const key of Object.keys(frame)) if (frame[key] === undefined) delete frame[key];
            yield frame;
          }
  yield { type: "done", id: "r1", seq: 1, result: "x", extra: { deep: true } };
}

const verdict = (json: unknown) => "frame" in parseConnectorFrame(JSON.stringify(json), 1 << 20);

describe("parseConnectorFrame", () => {
  it("accepts exactly the chunks the ConnectorFrame schema accepts", () => {
    let checked = 0;
    for (const frame of chunkCandidates()) {
      // JSON round trip first: NaN and Infinity arrive as null on the wire.
      const wire = JSON.parse(JSON.stringify(frame));
      expect([frame, verdict(wire)]).toEqual([frame, v.safeParse(ConnectorFrame, wire).success]);
      checked++;
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it("accepts exactly the done frames the ConnectorFrame schema accepts, and hands on the same frame", () => {
    let checked = 0;
    for (const frame of doneCandidates()) {
      const wire = JSON.parse(JSON.stringify(frame));
      const expected = v.safeParse(ConnectorFrame, wire);
      const parsed = parseConnectorFrame(JSON.stringify(wire), 1 << 20);
      expect([frame, "frame" in parsed]).toEqual([frame, expected.success]);
      if (expected.success && "frame" in parsed) expect(parsed.frame).toEqual(expected.output);
      checked++;
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it("keeps the schema's verdict and reason for the other frame types", () => {
    const frames: unknown[] = [
      { type: "ping" },
      { type: "ping", t: "x" },
      { type: "done", id: "r1", seq: 2, result: "ok" },
      { type: "done", id: "r1", seq: 0, result: "ok" },
      { type: "error", id: "r1", seq: 1, code: "bad_thing", message: "m" },
      { type: "error", id: "r1", seq: 1, code: "Bad", message: "m" },
      { type: "hello", protocol: { min: 1, max: 1 }, token: "t" },
      { type: "hello", protocol: { min: 1 }, token: "t" },
      { type: "nope" },
      { type: 3 },
      {},
      [],
      "text",
      null,
    ];
    for (const frame of frames) {
      const expected = v.safeParse(ConnectorFrame, frame);
      const parsed = parseConnectorFrame(JSON.stringify(frame), 1 << 20);
      expect([frame, "frame" in parsed]).toEqual([frame, expected.success]);
      if (!expected.success && "reason" in parsed && typeof frame === "object" && frame !== null) {
        expect(parsed.reason).toContain(expected.issues[0]!.message);
      }
    }
  });
});
