import { describe, expect, it } from "vitest";
import { AgentRunError } from "../../connector/src/agents/types.ts";
import { RequestQueue } from "../../connector/src/runtime/queue.ts";

/** A task that stays running until released, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => {
    release = r;
  });
  return {
    release: () => release(),
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe("RequestQueue", () => {
  it("never runs more than maxConcurrent requests at once", async () => {
    const queue = new RequestQueue({ maxConcurrent: 2, maxQueued: 10 });
    let running = 0;
    let peak = 0;
    const runs = Array.from({ length: 8 }, (_, i) =>
      queue.run(`s${i}`, undefined, async () => {
        peak = Math.max(peak, ++running);
        await tick();
        running--;
        return i;
      }),
    );
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(2);
    expect(queue.running).toBe(0);
  });

  it("runs the messages of one session strictly in order, other sessions in parallel", async () => {
    const queue = new RequestQueue({ maxConcurrent: 5 });
    const log: string[] = [];
    const a1 = gate(log, "a1");
    const a2 = gate(log, "a2");
    const b1 = gate(log, "b1");
    const a3 = gate(log, "a3");
    const runs = [
      queue.run("a", undefined, a1.task),
      queue.run("a", undefined, a2.task),
      queue.run("b", undefined, b1.task),
      queue.run("a", undefined, a3.task),
    ];
    await tick();
    expect(log).toEqual(["start a1", "start b1"]);
    a1.release();
    await tick();
    expect(log).toEqual(["start a1", "start b1", "end a1", "start a2"]);
    a2.release();
    await tick();
    a3.release();
    b1.release();
    await Promise.all(runs);
    expect(log.filter((l) => l.endsWith(" a1") || l.endsWith(" a2") || l.endsWith(" a3"))).toEqual([
      "start a1",
      "end a1",
      "start a2",
      "end a2",
      "start a3",
      "end a3",
    ]);
  });

  it("refuses with agent_busy when the wait queue is full", async () => {
    const queue = new RequestQueue({ maxConcurrent: 1, maxQueued: 2 });
    const log: string[] = [];
    const first = gate(log, "1");
    const running = queue.run("s1", undefined, first.task);
    const waiting = [
      queue.run("s2", undefined, async () => "2"),
      queue.run("s3", undefined, async () => "3"),
    ];
    const error = await queue.run("s4", undefined, async () => "4").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentRunError);
    expect((error as AgentRunError).code).toBe("agent_busy");
    expect(queue.queued).toBe(2);
    first.release();
    expect(await Promise.all([running, ...waiting])).toEqual(["1", "2", "3"]);
  });

  it("cancels a queued request without running it and lets the next one through", async () => {
    const queue = new RequestQueue({ maxConcurrent: 1 });
    const log: string[] = [];
    const first = gate(log, "1");
    const running = queue.run("s", undefined, first.task);
    const controller = new AbortController();
    let ranCanceled = false;
    const canceled = queue.run("s", controller.signal, async () => {
      ranCanceled = true;
    });
    const third = queue.run("s", undefined, async () => "3");
    controller.abort();
    const error = await canceled.catch((e: unknown) => e);
    expect((error as AgentRunError).code).toBe("canceled");
    expect(queue.queued).toBe(1);
    first.release();
    expect(await third).toBe("3");
    await running;
    expect(ranCanceled).toBe(false);
  });

  it("releases the slot when a task fails", async () => {
    const queue = new RequestQueue({ maxConcurrent: 1 });
    await expect(
      queue.run("s", undefined, () => {
        throw new Error("sync failure");
      }),
    ).rejects.toThrow("sync failure");
    expect(await queue.run("s", undefined, async () => "next")).toBe("next");
  });
});
