import { describe, expect, it } from "vitest";
import { createTextCache } from "../../gateway/src/session-stores/_text-cache.ts";

describe("text cache", () => {
  it("evicts the least recently used entry beyond maxEntries", () => {
    const cache = createTextCache({ maxEntries: 2, maxChars: 1000 });
    cache.set("a", "1");
    cache.set("b", "2");
    expect(cache.get("a")).toBe("1"); // a is now the most recently used
    cache.set("c", "3");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("1");
    expect(cache.get("c")).toBe("3");
  });

  it("bounds the characters held, skips a text larger than the budget and can be turned off", () => {
    const cache = createTextCache({ maxEntries: 100, maxChars: 10 });
    cache.set("a", "12345");
    cache.set("b", "12345");
    cache.set("c", "1");
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBe("12345");
    cache.set("b", "x".repeat(11)); // too large: the old text must not linger either
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("c")).toBe("1");
    cache.delete("c");
    expect(cache.get("c")).toBeUndefined();
    const off = createTextCache({ maxEntries: 0, maxChars: 10 });
    off.set("a", "1");
    expect(off.get("a")).toBeUndefined();
  });
});
