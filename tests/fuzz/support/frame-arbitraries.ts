/**
 * What a hostile or broken connector can put on its socket: random JSON, protocol frames with one field mutated,
 * wrong types, huge / negative / fractional seqs, unknown types, binary frames, invalid UTF-8, oversized frames.
 * `REQ` in a frame stands for the id of the request the gateway sent (filled in when the frame is sent).
 */
import fc from "fast-check";
import { jsonValue, nearValid } from "./arbitraries.ts";

export type WireFrame = { kind: "text"; data: string } | { kind: "bytes"; data: Uint8Array; binary: boolean };

const text = (data: string): WireFrame => ({ kind: "text", data });

const TEMPLATES: Record<string, unknown>[] = [
  { type: "chunk", id: "REQ", seq: 1, delta: "x", kind: "text" },
  { type: "done", id: "REQ", seq: 2, result: "ok", attachments: [{ name: "a.txt", size: 1, url: "x" }] },
  { type: "error", id: "REQ", seq: 2, code: "agent_failed", message: "broken" },
  { type: "chunk", id: "REQ", seq: 1, kind: "permission", delta: '{"prompt_id":"p1","tool":"Write"}' },
  { type: "ping", t: 1 },
  { type: "hello", protocol: { min: 1, max: 3 }, token: "x", agent: "y" },
];

const oddSeq = fc.constantFrom(0, -1, -(2 ** 53), 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308, 1.5, "1", null);

export const wireFrame: fc.Arbitrary<WireFrame> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .constantFrom(...TEMPLATES)
      .chain(nearValid)
      .map((f) => text(JSON.stringify(f))),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom("chunk", "done", "error"), oddSeq)
      .map(([type, seq]) =>
        text(JSON.stringify({ type, id: "REQ", seq, delta: "d", result: "r", code: "c", message: "m" })),
      ),
  },
  { weight: 2, arbitrary: jsonValue.map((v) => text(JSON.stringify(v) ?? "null")) },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: "binary", maxLength: 30 })
      .map((type) => text(JSON.stringify({ type, id: "REQ" }))),
  },
  { weight: 1, arbitrary: fc.constantFrom("", "{", "null", "[]", '{"type":"chunk"', "\ud800").map(text) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 64 })
      .map((data) => ({ kind: "bytes", data, binary: true }) as WireFrame),
  },
  {
    weight: 1,
    // Invalid UTF-8 in a text frame: a lone continuation byte, an overlong encoding, a cut sequence.
    arbitrary: fc
      .constantFrom([0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xff, 0xfe], [0x7b, 0xed, 0xa0, 0x80, 0x7d])
      .map((bytes) => ({ kind: "bytes", data: Uint8Array.from(bytes), binary: false }) as WireFrame),
  },
);

/** One frame over the gateway's frame cap (with a margin over the JSON around it). */
export function oversized(maxFrameBytes: number): WireFrame {
  return text(JSON.stringify({ type: "chunk", id: "REQ", seq: 1, delta: "x".repeat(maxFrameBytes + 16) }));
}
