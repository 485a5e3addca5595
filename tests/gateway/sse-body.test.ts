/** The SSE body every door streams through: bursts leave as one piece, in order, and nothing is lost at the end. */
import { describe, expect, it } from "vitest";
import { createSseBody as createBody, gatherSseWritesUntil } from "../../gateway/src/util/sse-body.ts";
import { UnreadBudget } from "../../gateway/src/util/unread-budget.ts";

const decoder = new TextDecoder();
/** A stream held to `perStreamBytes` alone, in a budget of its own with room to spare. */
const createSseBody = (perStreamBytes: number, onCancel: () => void) =>
  createBody(new UnreadBudget({ perStreamBytes, totalBytes: 1 << 30 }), onCancel);

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

describe("the callers of one process together (UnreadBudget)", () => {
  const KiB = 1024;
  const event = (kib: number) => `data: ${"x".repeat(kib * KiB - 8)}\n\n`;
  /** A stream in `budget` whose opening comment was read, so what it holds unread is what is written after. */
  async function stream(budget: UnreadBudget) {
    const state = { cancels: 0 };
    const out = createBody(budget, () => state.cancels++);
    const reader = out.body.getReader();
    await reader.read();
    return { out, reader, state };
  }
  const flushed = () => new Promise((resolve) => setTimeout(resolve, 0));
  /** 100 KiB for all streams together; no stream is near its own limit. */
  const smallBudget = () => new UnreadBudget({ perStreamBytes: 1 << 30, totalBytes: 100 * KiB });

  it("past the total, cuts the streams holding the most until under three quarters of it; the others go on", async () => {
    const budget = smallBudget();
    const [a, b, c] = [await stream(budget), await stream(budget), await stream(budget)];
    a.out.write(event(50));
    b.out.write(event(30));
    await flushed();
    expect(budget.heldBytes).toBe(80 * KiB);
    c.out.write(event(30)); // 110 KiB: a, the largest, is cut; 60 KiB is under 75
    await flushed();
    expect([a.state.cancels, b.state.cancels, c.state.cancels]).toEqual([1, 0, 0]);
    await expect(a.reader.read()).rejects.toThrow(/unread/);
    expect(budget.heldBytes).toBe(60 * KiB);
    expect(budget.streams).toBe(2);
    expect((await b.reader.read()).value?.byteLength).toBe(30 * KiB);
  });

  it("measures every stream before cutting: a caller that read since its stream's last write holds nothing", async () => {
    const budget = smallBudget();
    const [a, b] = [await stream(budget), await stream(budget)];
    a.out.write(event(60));
    await flushed();
    expect((await a.reader.read()).value?.byteLength).toBe(60 * KiB); // read, but counted until measured
    b.out.write(event(50));
    await flushed();
    expect([a.state.cancels, b.state.cancels]).toEqual([0, 0]);
    expect(budget.heldBytes).toBe(50 * KiB);
  });

  it("counts an ended stream until its caller has read it, then lets it go; a caller gone lets go too", async () => {
    const budget = smallBudget();
    const [a, b] = [await stream(budget), await stream(budget)];
    a.out.write(event(40));
    a.out.end();
    b.out.write(event(20));
    await flushed();
    expect(budget.heldBytes).toBe(60 * KiB);
    expect((await a.reader.read()).value?.byteLength).toBe(40 * KiB);
    expect((await a.reader.read()).done).toBe(true);
    expect(budget.streams).toBe(1);
    await b.reader.cancel();
    expect(budget.streams).toBe(0);
    expect(budget.heldBytes).toBe(0);
    expect([a.state.cancels, b.state.cancels]).toEqual([0, 1]);
  });

  it("keeps no stream that holds nothing: one a route made and dropped, or one its caller keeps up with", async () => {
    const budget = smallBudget();
    createBody(budget, () => {}); // never read, never canceled: a route that failed after making it
    const reading = await stream(budget);
    const next = reading.reader.read(); // the runtime waits for more: what is written goes straight to it
    reading.out.write(event(10));
    await flushed();
    expect((await next).value?.byteLength).toBe(10 * KiB);
    expect(budget.streams).toBe(0);
    expect(budget.heldBytes).toBe(0);
  });

  it("cuts an ended stream nobody reads like any other", async () => {
    const budget = smallBudget();
    const [a, b] = [await stream(budget), await stream(budget)];
    a.out.write(event(70));
    a.out.end();
    b.out.write(event(40));
    await flushed();
    await expect(a.reader.read()).rejects.toThrow(/unread/);
    expect(a.state.cancels).toBe(0); // it had ended: its call is not stopped, only its bytes dropped
    expect(budget.heldBytes).toBe(40 * KiB);
  });
});
