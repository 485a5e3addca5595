/** The SSE body every door streams through: bursts leave as one piece, in order, and nothing is lost at the end. */
import { describe, expect, it } from "vitest";
import { createSseBody, gatherSseWritesUntil } from "../../gateway/src/util/sse-body.ts";

const decoder = new TextDecoder();

describe("createSseBody", () => {
  it("opens with a comment at once, before anything is written, so the runtime sends the headers", async () => {
    const out = createSseBody(1 << 20, () => {});
    const first = await out.body.getReader().read();
    expect(decoder.decode(first.value)).toMatch(/^:[^\n]*\n\n$/);
  });

  it("sends events written together as one piece, in order, and what is queued at end before closing", async () => {
    const out = createSseBody(1 << 20, () => {});
    const reader = out.body.getReader();
    await reader.read(); // the opening comment
    out.write("a\n\n");
    out.write("b\n\n");
    out.write("c\n\n");
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe("a\n\nb\n\nc\n\n");
    out.write("d\n\n");
    out.end();
    out.write("ignored after end\n\n");
    expect(decoder.decode((await reader.read()).value)).toBe("d\n\n");
    expect((await reader.read()).done).toBe(true);
  });

  it("tells the writer once when the caller leaves, and drops what is written after", async () => {
    let cancels = 0;
    const out = createSseBody(1 << 20, () => cancels++);
    out.write("a\n\n");
    await out.body.cancel();
    out.write("b\n\n");
    out.end();
    expect(cancels).toBe(1);
  });
});

describe("gatherSseWritesUntil", () => {
  it("lets a runtime entry choose when gathered writes go out; end() never waits for it", async () => {
    const held: Array<() => void> = [];
    gatherSseWritesUntil((flush) => held.push(flush));
    try {
      const out = createSseBody(1 << 20, () => {});
      const reader = out.body.getReader();
      await reader.read(); // the opening comment
      out.write("a\n\n");
      await Promise.resolve(); // a microtask passes: with this schedule, nothing goes out yet
      out.write("b\n\n");
      expect(held).toHaveLength(1);
      held.shift()!();
      expect(decoder.decode((await reader.read()).value)).toBe("a\n\nb\n\n");
      out.write("c\n\n");
      out.end(); // the final event goes out at once
      expect(decoder.decode((await reader.read()).value)).toBe("c\n\n");
      expect((await reader.read()).done).toBe(true);
    } finally {
      gatherSseWritesUntil(queueMicrotask);
    }
  });
});

describe("a caller that does not read", () => {
  it("is cut off once it leaves more than the limit unread: the stream errors and onCancel runs once", async () => {
    let cancels = 0;
    const event = `data: ${"x".repeat(16 * 1024)}\n\n`;
    const out = createSseBody(4 * event.length, () => cancels++);
    const reader = out.body.getReader();
    await reader.read(); // the opening comment
    for (let i = 0; i < 4; i++) {
      out.write(event);
      await Promise.resolve();
    }
    expect(cancels).toBe(0); // four events unread: at the limit, not past it
    out.write(event);
    await Promise.resolve();
    expect(cancels).toBe(1);
    await expect(reader.read()).rejects.toThrow(/unread/);
    out.write(event);
    out.end();
    expect(cancels).toBe(1);
  });

  it("is not cut off while it reads what is written", async () => {
    let cancels = 0;
    const out = createSseBody(64 * 1024, () => cancels++);
    const reader = out.body.getReader();
    await reader.read();
    for (let i = 0; i < 100; i++) {
      out.write(`data: ${"x".repeat(16 * 1024)}\n\n`);
      expect((await reader.read()).value?.byteLength).toBeGreaterThan(16 * 1024);
    }
    out.end();
    expect((await reader.read()).done).toBe(true);
    expect(cancels).toBe(0);
  });
});
