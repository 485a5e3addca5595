/**
 * A request's output across nodes on a real Redis: each chunk reaches the follower exactly once and in order, even
 * when the subscriber connection is killed mid-stream (`CLIENT KILL TYPE pubsub`) or wake-ups are never sent;
 * replayed seqs are stored once; a reader that comes back after its seqs were trimmed gets `gap`.
 */
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LogEntry, RequestLog } from "../../gateway/src/cluster/request-log.ts";
import { WakeBus } from "../../gateway/src/cluster/wake-bus.ts";
import { startRedis } from "../helpers/redis-server.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const server = await startRedis();

describe.skipIf(!server)("cluster request log", () => {
  let writer: Redis;
  let reader: Redis;
  let subscriber: Redis;
  let bus: WakeBus;
  let counter = 0;
  beforeAll(() => {
    writer = new Redis(server!.url);
    reader = new Redis(server!.url);
    subscriber = new Redis(server!.url);
    bus = new WakeBus(subscriber);
  });
  afterAll(async () => {
    for (const client of [writer, reader, subscriber]) client?.disconnect();
    await server?.stop();
  });
  const chunk = (seq: number): LogEntry => ({ type: "chunk", seq, kind: "text", delta: `c${seq}` });

  it("delivers 1,000 chunks once each, in order, through a killed subscriber connection", async () => {
    const requestId = `req-${counter++}`;
    const writeLog = new RequestLog({ redis: writer, prefix: "log-test:" }).writer(requestId);
    const readLog = new RequestLog({ redis: reader, prefix: "log-test:" });
    const seen: number[] = [];
    let ended = false;
    readLog.follow(requestId, 0, bus.subscribe, (entry) => {
      seen.push(entry.seq);
      if (entry.type === "done") ended = true;
    });
    for (let seq = 1; seq <= 1000; seq++) {
      await writeLog.append(chunk(seq));
      if (seq === 300) await writer.call("CLIENT", "KILL", "TYPE", "pubsub");
      if (seq % 100 === 0) expect(await writeLog.append(chunk(seq - 5))).toBe(false); // replayed
    }
    await writeLog.append({
      type: "done",
      seq: 1001,
      frame: { type: "done", id: requestId, seq: 1001, result: "ok" } as never,
    });
    await waitFor(() => ended, { what: "the done entry" });
    expect(seen).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
  });

  it("delivers what wake-ups carry without reading the stream, and reads it for an entry too large to carry", async () => {
    const requestId = `req-${counter++}`;
    let reads = 0;
    // Each read comes back a little late (as on a busy host), so wake-ups arrive while it is in flight: those must
    // not each ask for one more read (a burst after the entry too large to carry was once read chunk by chunk).
    const counted = {
      call: async (command: string, ...args: unknown[]) => {
        const reply = await reader.call(command, ...(args as string[]));
        if (command === "XRANGE") {
          reads++;
          await sleep(5);
        }
        return reply;
      },
    };
    const writeLog = new RequestLog({ redis: writer, prefix: "log-test:" }).writer(requestId);
    const readLog = new RequestLog({ redis: counted, prefix: "log-test:" });
    const seen: number[] = [];
    const deltas = new Map<number, string>();
    let ended = false;
    readLog.follow(requestId, 0, bus.subscribe, (entry) => {
      seen.push(entry.seq);
      if (entry.type === "chunk") deltas.set(entry.seq, entry.delta);
      if (entry.type === "done") ended = true;
    });
    await waitFor(() => reads > 0, { what: "the follower's first read" });
    await sleep(50); // the subscription takes effect (and reads once more)
    const before = reads;
    const started = performance.now();
    const large = "x".repeat(10_000);
    for (let seq = 1; seq <= 200; seq++) {
      const entry: LogEntry = { type: "chunk", seq, kind: "text", delta: seq === 100 ? large : `c${seq}` };
      await writeLog.append(entry);
    }
    await writeLog.append({
      type: "done",
      seq: 201,
      frame: { type: "done", id: requestId, seq: 201, result: "ok" } as never,
    });
    await waitFor(() => ended, { what: "the done entry" });
    expect(seen).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    expect(deltas.get(100)).toBe(large);
    expect(deltas.get(101)).toBe("c101");
    // One read for the entry too large to carry (and perhaps one for a wake-up that overtook it), not one a chunk;
    // and the follower's poll (every 250 ms) reads too, as often as a slow host lets the window last.
    const polls = Math.ceil((performance.now() - started) / 250);
    expect(reads - before).toBeGreaterThanOrEqual(1);
    expect(reads - before).toBeLessThanOrEqual(3 + polls);
  });

  it("a follower that never gets a wake-up still gets everything by polling; a late one resumes after its seq", async () => {
    const requestId = `req-${counter++}`;
    const log = new RequestLog({ redis: writer, prefix: "log-test:" });
    const out = log.writer(requestId);
    const deaf = () => () => {}; // no wake-ups at all
    const seen: number[] = [];
    const follower = log.follow(requestId, 0, deaf, (entry) => seen.push(entry.seq), { pollMs: 50 });
    for (let seq = 1; seq <= 20; seq++) await out.append(chunk(seq));
    await waitFor(() => seen.length === 20, { what: "polled chunks" });
    follower.stop();
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const rest = await log.read(requestId, 15);
    expect(rest !== "gap" && rest.map((entry) => entry.seq)).toEqual([16, 17, 18, 19, 20]);
  });

  it("answers gap when the seqs after the reader's were trimmed away", async () => {
    const requestId = `req-${counter++}`;
    const log = new RequestLog({ redis: writer, prefix: "log-test:", maxEntries: 10 });
    const out = log.writer(requestId);
    for (let seq = 1; seq <= 500; seq++) await out.append(chunk(seq));
    await sleep(10);
    expect(await log.read(requestId, 3)).toBe("gap");
    const tail = await log.read(requestId, 495);
    expect(tail !== "gap" && tail.map((entry) => entry.seq)).toEqual([496, 497, 498, 499, 500]);
    expect(await log.read(`req-${counter++}`, 0)).toEqual([]);
  });

  /** The seqs of the entries a log keeps, and their characters. */
  async function kept(requestId: string) {
    const entries = (await writer.xrange(`log-test:cluster:log:${requestId}`, "-", "+")) as Array<
      [string, string[]]
    >;
    const chars = entries.reduce((sum, [, fields]) => sum + fields[1]!.length, 0);
    return { seqs: entries.map(([id]) => Number(id.split("-")[0])), chars };
  }

  it("keeps at most maxChars of a request's entries, the oldest trimmed first and the newest always", async () => {
    const requestId = `req-${counter++}`;
    const log = new RequestLog({ redis: writer, prefix: "log-test:", maxChars: 1000 });
    const out = log.writer(requestId);
    const sized = (seq: number, length: number): LogEntry => ({
      type: "chunk",
      seq,
      kind: "text",
      delta: "x".repeat(length),
    });
    for (let seq = 1; seq <= 10; seq++) await out.append(sized(seq, 300));
    // Each entry is its 300 characters and some 50 of JSON: two fit, three do not.
    expect(await kept(requestId)).toMatchObject({ seqs: [9, 10] });
    expect(await log.read(requestId, 7)).toBe("gap");
    const tail = await log.read(requestId, 8);
    expect(tail !== "gap" && tail.map((entry) => entry.seq)).toEqual([9, 10]);
    await out.append(sized(11, 5000)); // larger than the limit alone: kept, and all before it go
    expect(await kept(requestId)).toMatchObject({ seqs: [11] });
    await out.append(sized(12, 10));
    expect(await kept(requestId)).toMatchObject({ seqs: [12] });
    await out.append(sized(13, 10));
    expect(await kept(requestId)).toMatchObject({ seqs: [12, 13] });
    expect(await out.append(sized(12, 10))).toBe(false); // a replay changes nothing
    expect(await kept(requestId)).toMatchObject({ seqs: [12, 13] });
  });

  it("keeps the newest entries that fit both limits, whichever binds, as the entries' sizes change", async () => {
    const requestId = `req-${counter++}`;
    const log = new RequestLog({ redis: writer, prefix: "log-test:", maxEntries: 10, maxChars: 2000 });
    const out = log.writer(requestId);
    const sizes = new Map<number, number>();
    for (let seq = 1; seq <= 3000; seq++) {
      const delta = "y".repeat((seq * 37) % 400); // from empty to 399 characters: now entries, now size trims
      const entry: LogEntry = { type: "chunk", seq, kind: "text", delta };
      sizes.set(seq, JSON.stringify(entry).length);
      await out.append(entry);
      if (seq % 250 !== 0) continue;
      // What should be kept: the newest entries, back as far as both limits allow.
      const expected = [seq];
      let chars = sizes.get(seq)!;
      for (let older = seq - 1; older > 0 && expected.length < 10; older--) {
        if (chars + sizes.get(older)! > 2000) break;
        chars += sizes.get(older)!;
        expected.unshift(older);
      }
      expect(await kept(requestId)).toEqual({ seqs: expected, chars });
    }
  });
});
