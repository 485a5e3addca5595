/**
 * Both ways an ask watches its caller (domain/caller-watch.ts), with real timers and AbortControllers: the caller's
 * signal is not read before the ask is `afterMs` old, a caller who left by then is noticed then, a later leave is
 * noticed when it happens, and an ask that ended is never reported.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  type CallerWatch,
  watchCallersTogether,
  watchEachCaller,
} from "../../gateway/src/domain/caller-watch.ts";

const AFTER_MS = 40;

describe.each([
  ["a timer per ask (Workers)", watchEachCaller],
  ["one interval for every ask (Bun, Deno, Node)", watchCallersTogether],
])("%s", (_name, make: (afterMs: number) => CallerWatch) => {
  function watchOne(watch: CallerWatch) {
    const caller = new AbortController();
    const seen = { reads: 0, left: 0 };
    const connection = {
      get signal() {
        seen.reads += 1;
        return caller.signal;
      },
    };
    const stop = watch(connection, () => {
      seen.left += 1;
    });
    return { caller, seen, stop };
  }

  it("reads nothing of an ask that ends young, and never reports it", async () => {
    const ask = watchOne(make(AFTER_MS));
    await sleep(AFTER_MS / 4);
    ask.stop();
    ask.caller.abort();
    await sleep(AFTER_MS * 3);
    expect(ask.seen).toEqual({ reads: 0, left: 0 });
  });

  it("notices a caller who left early once the ask is old enough, not before", async () => {
    const ask = watchOne(make(AFTER_MS));
    ask.caller.abort();
    await sleep(AFTER_MS / 4);
    expect(ask.seen.left).toBe(0);
    await expect.poll(() => ask.seen.left, { timeout: AFTER_MS * 10, interval: 5 }).toBe(1);
    ask.stop();
  });

  it("notices a caller who leaves later when it happens, and only once", async () => {
    const ask = watchOne(make(AFTER_MS));
    await expect.poll(() => ask.seen.reads, { timeout: AFTER_MS * 10, interval: 5 }).toBe(1);
    expect(ask.seen.left).toBe(0);
    ask.caller.abort();
    expect(ask.seen.left).toBe(1);
    ask.stop();
    expect(ask.seen).toEqual({ reads: 1, left: 1 });
  });

  it("stops listening once the ask ends", async () => {
    const ask = watchOne(make(AFTER_MS));
    await expect.poll(() => ask.seen.reads, { timeout: AFTER_MS * 10, interval: 5 }).toBe(1);
    ask.stop();
    ask.caller.abort();
    expect(ask.seen.left).toBe(0);
  });

  it("watches many asks of different ages, each noticed once it is old enough", async () => {
    const watch = make(AFTER_MS);
    const first = { ...watchOne(watch), since: Date.now() };
    await sleep(AFTER_MS / 2);
    const second = { ...watchOne(watch), since: Date.now() };
    first.caller.abort();
    second.caller.abort();
    for (const ask of [first, second]) {
      await expect.poll(() => ask.seen.left, { timeout: AFTER_MS * 10, interval: 1 }).toBe(1);
      // Not noticed young. A timer counts from the event loop's cached time, which lags the wall clock by what the
      // current tick has run so far (a few ms under a loaded CI run: 37 ms for 40 was seen), so allow a quarter;
      // the second ask, 20 ms younger, would be noticed 20 ms early if the two shared one deadline.
      expect(Date.now() - ask.since).toBeGreaterThanOrEqual(AFTER_MS - AFTER_MS / 4);
      ask.stop();
    }
    // A watch that went idle starts again for the next ask.
    const third = watchOne(watch);
    third.caller.abort();
    await expect.poll(() => third.seen.left, { timeout: AFTER_MS * 10, interval: 5 }).toBe(1);
    third.stop();
  });
});
