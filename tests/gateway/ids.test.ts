import { describe, expect, it } from "vitest";
import { timeOrderedId } from "../../gateway/src/util/ids.ts";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
const decodeTime = (id: string) => [...id.slice(0, 10)].reduce((t, c) => t * 32 + CROCKFORD.indexOf(c), 0);

describe("timeOrderedId", () => {
  it("sorts in creation order, also many ids within one millisecond, and carries the creation time", () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => timeOrderedId());
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
    for (let i = 1; i < ids.length; i++)
      expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} then ${ids[i]}`).toBe(true);
    expect(decodeTime(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(ids.at(-1)!)).toBeLessThanOrEqual(after);
    expect(new Set(ids.map((id) => id.slice(0, 10))).size).toBeLessThan(ids.length); // some shared a millisecond
  });
});
