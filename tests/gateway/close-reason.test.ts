/** Close reasons are cut to 123 bytes of UTF-8 at a character boundary (runtimes throw on longer ones). */
import { describe, expect, it } from "vitest";
import { closeReason } from "../../gateway/src/relay/close-reason.ts";

const bytes = (text: string) => new TextEncoder().encode(text).length;

describe("closeReason", () => {
  it("keeps a short reason as it is", () => {
    expect(closeReason("malformed JSON")).toBe("malformed JSON");
    expect(closeReason("é".repeat(61))).toBe("é".repeat(61));
  });

  it("cuts a long or multi-byte reason to at most 123 bytes without splitting a character", () => {
    for (const reason of [
      "x".repeat(500),
      "€".repeat(100),
      "😀".repeat(60),
      `received "${"ࠀ𐀀".repeat(30)}"`,
    ]) {
      const cut = closeReason(reason);
      expect(bytes(cut)).toBeLessThanOrEqual(123);
      expect(cut.endsWith("…")).toBe(true);
      expect(reason.startsWith(cut.slice(0, -1))).toBe(true);
      expect(cut).not.toMatch(/[\ud800-\udfff](?![\udc00-\udfff])/u);
    }
  });
});
