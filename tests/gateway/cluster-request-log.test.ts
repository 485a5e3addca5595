/**
 * A request's output across nodes on a real Redis: each chunk reaches the follower exactly once and in order, even
 * when the subscriber connection is killed mid-stream (`CLIENT KILL TYPE pubsub`) or wake-ups are never sent;
 * replayed seqs are stored once; a reader that comes back after its seqs were trimmed gets `gap`.
 */
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shareWithin } from "../../gateway/src/cluster/log-budget.ts";
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

  /** A chunk whose JSON text is `chars` characters (the count each limit uses). */
  const ofSize = (seq: number, chars: number): LogEntry => {
    const bare = JSON.stringify({ type: "chunk", seq, kind: "text", delta: "" }).length;
    return { type: "chunk", seq, kind: "text", delta: "z".repeat(chars - bare) };
  };

  it("keeps at most nodeMaxChars in the logs a node writes, each held to one share, the largest cut first", async () => {
    const log = new RequestLog({ redis: writer, prefix: "log-test:", nodeMaxChars: 10_000 });
    const [a, b, c] = [`req-${counter++}`, `req-${counter++}`, `req-${counter++}`];
    const total = async () => (await kept(a)).chars + (await kept(b)).chars + (await kept(c)).chars;
    const writes: Array<[string, number]> = [
      ...[1, 2, 3, 4, 5].map((seq): [string, number] => [a, seq]),
      ...[1, 2, 3].map((seq): [string, number] => [b, seq]),
      ...[1, 2, 3].map((seq): [string, number] => [c, seq]),
    ];
    const writers = new Map([a, b, c].map((id) => [id, log.writer(id)]));
    for (const [id, seq] of writes) {
      await writers.get(id)!.append(ofSize(seq, 1000));
      expect(await total()).toBeLessThanOrEqual(10_000);
      expect(log.nodeChars).toBe(await total());
    }
    // The eleventh thousand passed the limit: under three quarters of it (7,500) each log keeps at most 2,500.
    expect((await kept(a)).seqs).toEqual([4, 5]);
    expect((await kept(b)).seqs).toEqual([2, 3]);
    expect((await kept(c)).seqs).toEqual([2, 3]);
    expect(await log.read(a, 2)).toBe("gap");
    const newest = await log.read(a, 3);
    expect(newest !== "gap" && newest.map((entry) => entry.seq)).toEqual([4, 5]);
    // Below the limit again, logs grow as before.
    await writers.get(b)!.append(ofSize(4, 1000));
    expect((await kept(b)).seqs).toEqual([2, 3, 4]);
  });

  it("shares the node's limit among its logs, the largest cut first", () => {
    expect(shareWithin([5000, 3000, 3000], 7500)).toBe(2500);
    expect(shareWithin([9000, 1000, 500], 7500)).toBe(6000); // only the largest is cut
    expect(shareWithin([4000, 4000], 7500)).toBe(3750);
    expect(shareWithin([100, 200], 7500)).toBeGreaterThanOrEqual(200); // nothing to cut
  });

  it("stops counting a node's log once Redis let it expire", async () => {
    const log = new RequestLog({ redis: writer, prefix: "log-test:", ttlMs: 200, nodeMaxChars: 3000 });
    const [a, b] = [`req-${counter++}`, `req-${counter++}`];
    const first = log.writer(a);
    for (const seq of [1, 2]) await first.append(ofSize(seq, 1000));
    await waitFor(async () => (await kept(a)).seqs.length === 0, { what: "the first log to expire" });
    await sleep(1100); // and the node's allowance for its last append's way to Redis
    const second = log.writer(b);
    for (const seq of [1, 2]) await second.append(ofSize(seq, 1000));
    expect((await kept(b)).seqs).toEqual([1, 2]);
    expect(log.nodeChars).toBe(2000);
  });

  it("counts exactly what a node's logs keep while both limits trim them", async () => {
    const log = new RequestLog({ redis: writer, prefix: "log-test:", maxChars: 6000, nodeMaxChars: 15_000 });
    const writers = Array.from({ length: 4 }, () => {
      const id = `req-${counter++}`;
      return { id, out: log.writer(id), sizes: [] as number[] };
    });
    /** What a log would keep under its own limit alone: its newest entries that fit in 6,000. */
    const alone = (sizes: number[]) => {
      let chars = 0;
      for (let i = sizes.length - 1; i >= 0 && chars + sizes[i]! <= 6000; i--) chars += sizes[i]!;
      return chars;
    };
    let cutByTheNode = 0;
    for (let i = 1; i <= 600; i++) {
      const w = writers[(i * 7) % writers.length]!;
      w.sizes.push(100 + ((i * 397) % 1900));
      await w.out.append(ofSize(w.sizes.length, w.sizes.at(-1)!));
      if (i % 25 !== 0) continue;
      let inRedis = 0;
      let aloneTotal = 0;
      for (const { id, sizes } of writers) {
        inRedis += (await kept(id)).chars;
        aloneTotal += alone(sizes);
      }
      expect(inRedis).toBeLessThanOrEqual(15_000);
      expect(log.nodeChars).toBe(inRedis);
      if (inRedis < aloneTotal) cutByTheNode++;
    }
    expect(cutByTheNode).toBeGreaterThan(0);
  });
});
