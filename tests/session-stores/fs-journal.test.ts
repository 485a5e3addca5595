import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RELAXED_FLUSH_MS } from "../../gateway/src/session-stores/_journal-relaxed.ts";
import {
  type FileHandleLike,
  fsSessionStore,
  type JournalFileSystem,
} from "../../gateway/src/session-stores/fs.ts";
import { journalChanges } from "../helpers/journal-changes.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The journal's change lines in `dir`. */
const journalLines = (dir: string) => journalChanges(join(dir, "journal.ndjson"));

/** The real `node:fs/promises`, counting the writes made on journal handles, optionally failing them. */
function countingFs(options: { failWrites?: () => boolean } = {}) {
  const counts = { writes: 0 };
  const wrapped: JournalFileSystem = {
    ...fs,
    async open(path: string, flags: string): Promise<FileHandleLike> {
      const handle = await fs.open(path, flags);
      return {
        write(data, offset, length, position) {
          counts.writes++;
          if (options.failWrites?.()) {
            return Promise.reject(Object.assign(new Error("no space left on device"), { code: "ENOSPC" }));
          }
          return handle.write(data, offset, length, position);
        },
        truncate: (length) => handle.truncate(length),
        datasync: () => handle.datasync(),
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    },
  };
  return { fs: wrapped, counts };
}

describe("fs session store journal", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-journal-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("restores every key, value, delete and TTL when reopened", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.set("task:a:1", { status: "submitted", list: [1, "two"] });
    await store.set("task:a:2", "123");
    await store.set("ticket:short", 1, { ttl: 0.3 });
    await store.set("ticket:long", 2, { ttl: 60 });
    await store.increment("seq", 41);
    expect(await store.add("once", true)).toBe(true);
    await store.set("gone", 1);
    await store.delete("gone");
    expect(await store.take("task:a:2")).toBe("123");
    await store.dispose();

    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.keys("")).toEqual(["once", "seq", "task:a:1", "ticket:long", "ticket:short"]);
    expect(await reopened.get("task:a:1")).toEqual({ status: "submitted", list: [1, "two"] });
    expect(await reopened.increment("seq")).toBe(42);
    expect(await reopened.add("once", false)).toBe(false);
    await sleep(400);
    expect(await reopened.get("ticket:short")).toBeNull(); // its expiry came back from the journal
    expect(await reopened.keys("ticket:")).toEqual(["ticket:long"]);
    await reopened.dispose();
  });

  it("drops entries that expired while the store was closed", async () => {
    await fs.writeFile(
      join(dir, "journal.ndjson"),
      `{"k":"ticket:old","e":${Date.now() - 1000},"v":1}\n{"k":"ticket:new","e":${Date.now() + 60_000},"v":2}\n`,
    );
    const store = fsSessionStore({ dir, fs });
    expect(await store.keys("ticket:")).toEqual(["ticket:new"]);
    expect(await store.add("ticket:old", 3)).toBe(true);
    expect(await store.take("ticket:new")).toBe(2);
    await store.dispose();
  });

  it("ignores a torn last line and cuts it off before appending", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.set("task:1", { state: "done" });
    await store.set("task:2", { state: "working" });
    await store.dispose();
    const path = join(dir, "journal.ndjson");
    const intact = await fs.readFile(path, "utf8");
    await fs.appendFile(path, '{"k":"task:3","v":{"sta'); // a crash in the middle of a write

    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.keys("")).toEqual(["task:1", "task:2"]);
    // Cut off: what follows the data now is the zero-filled space ahead.
    expect((await fs.readFile(path, "utf8")).replace(/\0+$/, "")).toBe(intact);
    await reopened.set("task:4", "after");
    await reopened.dispose();

    const third = fsSessionStore({ dir, fs });
    expect(await third.keys("")).toEqual(["task:1", "task:2", "task:4"]);
    await third.dispose();
  });

  it("treats a garbage last line as torn but refuses damage in the middle", async () => {
    const path = join(dir, "journal.ndjson");
    await fs.writeFile(path, '{"k":"a","v":1}\n\u0000\u0000\u0000\n');
    const store = fsSessionStore({ dir, fs });
    expect(await store.get("a")).toBe(1);
    await store.dispose();
    // Cut off, and the journal (of the format before commit lines) got its first commit line.
    expect(await fs.readFile(path, "utf8")).toBe('{"k":"a","v":1}\n{"c":0}\n');

    await fs.writeFile(path, '{"k":"a","v":1}\nnot json\n{"k":"b","v":2}\n');
    const damaged = fsSessionStore({ dir, fs });
    await expect(damaged.get("a")).rejects.toMatchObject({ code: "corrupt_journal" });
    await expect(damaged.keys("")).rejects.toThrow(/line 2 of .*journal\.ndjson/);
    await damaged.dispose();
  });

  it("drops a torn last batch whose later page landed before an earlier one, but refuses a committed batch after damage", async () => {
    const path = join(dir, "journal.ndjson");
    const committed = '{"c":0}\n{"k":"a","v":1}\n{"c":16}\n';
    // The last batch's first page never reached the disk (zeros), its second page and commit line did.
    const torn = `${"\u0000".repeat(20)}\n{"k":"c","v":3}\n{"c":37}\n`;
    await fs.writeFile(path, committed + torn + "\u0000".repeat(64));
    const store = fsSessionStore({ dir, fs });
    expect(await store.keys("")).toEqual(["a"]); // "c" was never acknowledged: its batch was not synced
    await store.set("d", 4);
    await store.dispose();
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.keys("")).toEqual(["a", "d"]);
    await reopened.dispose();
    expect(await fs.readFile(path, "utf8")).toBe(`${committed}{"k":"d","v":4}\n{"c":16}\n`);

    // A complete batch synced after the broken line proves the broken line was synced too: damage.
    await fs.writeFile(path, `${committed}not json\n{"k":"b","v":2}\n{"c":16}\n`);
    const damaged = fsSessionStore({ dir, fs });
    await expect(damaged.keys("")).rejects.toThrow(/line 4 of .*journal\.ndjson/);
    await damaged.dispose();
  });

  it("reads a journal written before commit lines and goes on in the new format", async () => {
    const path = join(dir, "journal.ndjson");
    await fs.writeFile(path, '{"k":"a","v":1}\n{"k":"b","v":2}\n{"k":"a","d":1}\n');
    const store = fsSessionStore({ dir, fs });
    expect(await store.keys("")).toEqual(["b"]);
    await store.set("c", 3);
    await store.dispose();
    expect(await fs.readFile(path, "utf8")).toBe(
      '{"k":"a","v":1}\n{"k":"b","v":2}\n{"k":"a","d":1}\n{"c":0}\n{"k":"c","v":3}\n{"c":16}\n',
    );
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.keys("")).toEqual(["b", "c"]);
    await reopened.dispose();
  });

  it("reads values from lines in its own shape and in any other a person may have written", async () => {
    const path = join(dir, "journal.ndjson");
    const expires = Date.now() + 60_000;
    const lines = [
      `{"k":"own","e":${expires},"v":{"text":"a \\"quoted\\" \\u2028 é","n":[1,2]}}`,
      '{ "v": {"b": 2}, "k": "spaced" }',
      `{"e":${expires},"k":"reordered","v":"x"}`,
      '{"k":"repeated","v":1,"v":{"b":3}}',
      '{"k":"extra","v":{"a":1},"note":"by hand"}',
    ];
    await fs.writeFile(path, `${lines.join("\n")}\n{"c":0}\n`);
    const store = fsSessionStore({ dir, fs });
    expect(await store.get("own")).toEqual({ text: 'a "quoted" \u2028 é', n: [1, 2] });
    expect(await store.get("spaced")).toEqual({ b: 2 });
    expect(await store.get("reordered")).toBe("x");
    expect(await store.get("repeated")).toEqual({ b: 3 });
    expect(await store.get("extra")).toEqual({ a: 1 });
    await store.dispose();
  });

  it("overwrites zero-filled space in sync mode always and lets the file grow in the other modes", async () => {
    const path = join(dir, "journal.ndjson");
    const always = fsSessionStore({ dir, fs, preallocateBytes: 4096 });
    await always.set("a", 1);
    expect((await fs.stat(path)).size).toBe(4096 + '{"c":0}\n'.length);
    await always.set("b", "x".repeat(5000)); // more than the space left: filled further first
    const filled = (await fs.stat(path)).size;
    expect(filled).toBeGreaterThan(5000);
    await always.dispose();
    const data = await fs.readFile(path, "utf8");
    expect(data).toMatch(/\{"c":\d+\}\n$/); // the zeros were cut off at close
    expect(data.length).toBeLessThan(filled);

    const off = fsSessionStore({ dir, fs, sync: "off", preallocateBytes: 4096 });
    await off.set("c", 3);
    expect((await fs.stat(path)).size).toBe(data.length + '{"k":"c","v":3}\n{"c":16}\n'.length);
    await off.dispose();
  });

  it("keeps every batch intact while batches of any size and multi-byte text share one encoding buffer", async () => {
    const store = fsSessionStore({ dir, fs, preallocateBytes: 4096 });
    const values: Record<string, string> = {
      small: "ascii",
      accents: "é".repeat(70_000), // more than the buffer kept at first: it grows
      huge: "日本".repeat(400_000), // more than the buffer kept at most: a buffer of its own
      emoji: "🙂 after the huge one", // the kept buffer again, after a batch that did not use it
      last: "x",
    };
    for (const [key, value] of Object.entries(values)) await store.set(key, value);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.set(`batch:${i}`, `ü${i}`)));
    await store.dispose();

    const reopened = fsSessionStore({ dir, fs });
    for (const [key, value] of Object.entries(values)) expect(await reopened.get(key)).toBe(value);
    for (let i = 0; i < 50; i++) expect(await reopened.get(`batch:${i}`)).toBe(`ü${i}`);
    await reopened.dispose();
  });

  it("writes the lines of concurrent mutations in one write per batch", async () => {
    const counting = countingFs();
    const store = fsSessionStore({ dir, fs: counting.fs });
    await store.keys(""); // opens the journal
    const opened = counting.counts.writes;
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.set(`task:${i}`, { i })));
    expect(counting.counts.writes - opened).toBeLessThanOrEqual(2);
    expect(await journalLines(dir)).toHaveLength(200);
    await store.dispose();
  });

  it("answers a non-durable increment without waiting for its sync, and syncs it with the next batch", async () => {
    let release: () => void = () => {};
    const held = { syncs: 0, holding: false };
    const gated: JournalFileSystem = {
      ...fs,
      async open(path: string, flags: string): Promise<FileHandleLike> {
        const handle = await fs.open(path, flags);
        return {
          write: (data, offset, length, position) => handle.write(data, offset, length, position),
          truncate: (length) => handle.truncate(length),
          // Journal syncs wait until the test lets them through (the later ones, of the flush, pass at once).
          datasync: async () => {
            held.syncs++;
            if (held.holding) {
              await new Promise<void>((resolve) => {
                release = resolve;
              });
            }
            await handle.datasync();
          },
          sync: () => handle.sync(),
          close: () => handle.close(),
        };
      },
    };
    const store = fsSessionStore({ dir, fs: gated });
    await store.keys(""); // opening syncs too (a commit line), before the gate closes
    held.syncs = 0;
    held.holding = true;
    const durable = store.increment("durable");
    let durableDone = false;
    void durable.then(() => {
      durableDone = true;
    });
    expect(await store.increment("rate:t:1", 1, { durable: false })).toBe(1);
    expect(await store.increment("rate:t:1", 1, { durable: false })).toBe(2);
    await sleep(20);
    expect(held.syncs).toBe(1);
    expect(durableDone).toBe(false); // the default still waits for the disk
    held.holding = false;
    release();
    expect(await durable).toBe(1);
    await store.dispose();
    // Both counts waited for the same flush: only the latest is written.
    expect((await journalLines(dir)).filter((line) => line.includes("rate:t:1"))).toEqual([
      '{"k":"rate:t:1","v":2}',
    ]);
  });

  it("writes relaxed counts (rate limits) without a write or sync of their own, ahead of the next write", async () => {
    const counting = countingFs();
    const store = fsSessionStore({ dir, fs: counting.fs });
    await store.keys("");
    const syncsBefore = store.syncCount();
    const writesBefore = counting.counts.writes;
    for (let i = 1; i <= 200; i++) expect(await store.increment("rate:t:1", 1, { durable: false })).toBe(i);
    await sleep(50);
    expect(counting.counts.writes).toBe(writesBefore);
    expect(store.syncCount()).toBe(syncsBefore);
    expect(await store.get("rate:t:1")).toBe(200);

    await store.set("task:a:1", "queued");
    expect(counting.counts.writes).toBe(writesBefore + 1); // one batch: the count, then the task
    expect(store.syncCount()).toBe(syncsBefore + 1);
    const lines = await journalLines(dir);
    // 200 counts waited: the latest is the one line written (replay keeps a key's last value anyway).
    expect(lines.filter((line) => line.includes("rate:t:1"))).toEqual(['{"k":"rate:t:1","v":200}']);
    expect(lines.at(-1)).toContain("task:a:1");
    await store.dispose();
  });

  it("writes relaxed counts within a second when nothing else is written, and keeps their order", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.increment("rate:t:2", 1, { durable: false });
    await store.increment("rate:t:2", 1, { durable: false });
    await store.set("rate:t:2", 10); // a durable write of the same key after them wins on replay
    await store.increment("rate:t:2", 1, { durable: false });
    await sleep(1300);
    // The first two as one line (the latest, 2) ahead of the set, then 11 on its own within the second.
    expect((await journalLines(dir)).filter((line) => line.includes("rate:t:2"))).toEqual([
      '{"k":"rate:t:2","v":2}',
      '{"k":"rate:t:2","v":10}',
      '{"k":"rate:t:2","v":11}',
    ]);
    await store.increment("rate:t:2", 1, { durable: false });
    await store.dispose(); // writes what is still held
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.get("rate:t:2")).toBe(12);
    await reopened.dispose();
  });

  it("writes one relaxed line per key of the counts that share a batch with other writes", async () => {
    let release: () => void = () => {};
    let holding = false;
    const gated: JournalFileSystem = {
      ...fs,
      async open(path: string, flags: string): Promise<FileHandleLike> {
        const handle = await fs.open(path, flags);
        return {
          write: async (data, offset, length, position) => {
            if (holding) {
              await new Promise<void>((resolve) => {
                release = resolve;
              });
            }
            return handle.write(data, offset, length, position);
          },
          truncate: (length) => handle.truncate(length),
          datasync: () => handle.datasync(),
          sync: () => handle.sync(),
          close: () => handle.close(),
        };
      },
    };
    const store = fsSessionStore({ dir, fs: gated });
    await store.keys("");
    // The first task's batch is held at its write, so the next 20 tasks (a count of two tokens each, then the
    // record, as the gateway does) wait in the following batch together: group commit.
    holding = true;
    const first = store.set("task:a:first", "queued");
    await sleep(20);
    holding = false;
    const tasks: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      void store.increment("rate:t:4", 1, { durable: false });
      void store.increment("rate:u:4", 2, { durable: false });
      tasks.push(store.set(`task:a:${i}`, "queued"));
    }
    release();
    await Promise.all([first, ...tasks]);
    await store.dispose();
    const lines = await journalLines(dir);
    expect(lines.filter((line) => line.includes("task:a:"))).toHaveLength(21);
    // The batch's last count of each token, after the 19th task's record (where the 20th count was taken).
    expect(lines.filter((line) => line.includes("rate:"))).toEqual([
      '{"k":"rate:t:4","v":20}',
      '{"k":"rate:u:4","v":40}',
    ]);
    expect(lines.indexOf('{"k":"rate:t:4","v":20}')).toBe(
      lines.findIndex((line) => line.includes("task:a:19")) + 1,
    );
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.get("rate:t:4")).toBe(20);
    expect(await reopened.get("rate:u:4")).toBe(40);
    expect(await reopened.keys("task:a:")).toHaveLength(21);
    await reopened.dispose();
  });

  it("arms one flush timer for relaxed counts however many writes take them early", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.keys("");
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      // As the gateway does per durable task: a rate-limit count, then the task's own write.
      for (let i = 0; i < 100; i++) {
        await store.increment("rate:t:3", 1, { durable: false });
        await store.set(`task:a:${i}`, "queued");
      }
      expect(timers.mock.calls.filter(([, ms]) => ms === RELAXED_FLUSH_MS)).toHaveLength(1);
    } finally {
      timers.mockRestore();
    }
    expect((await journalLines(dir)).filter((line) => line.includes("rate:t:3"))).toHaveLength(100);
    await store.dispose();
  });

  it("flushes queued writes on dispose", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.keys("");
    const writes = Array.from({ length: 50 }, (_, i) => store.set(`k:${i}`, i));
    await store.dispose();
    await Promise.all(writes);
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.keys("k:")).toHaveLength(50);
    await reopened.dispose();
  });

  it("refuses work after dispose instead of reopening the journal", async () => {
    const unused = fsSessionStore({ dir, fs });
    await unused.dispose();
    await expect(unused.set("a", 1)).rejects.toMatchObject({ code: "store_disposed" });
    const used = fsSessionStore({ dir, fs });
    await used.set("a", 1);
    await used.dispose();
    await expect(used.set("b", 2)).rejects.toMatchObject({ code: "store_disposed" });
  });

  it("stops taking writes after a failed write instead of letting memory drift from disk", async () => {
    let failing = false;
    const counting = countingFs({ failWrites: () => failing });
    const store = fsSessionStore({ dir, fs: counting.fs });
    await store.set("kept", 1);
    failing = true;
    await expect(store.set("lost", 2)).rejects.toMatchObject({ code: "journal_write_failed" });
    failing = false;
    await expect(store.set("later", 3)).rejects.toMatchObject({ code: "journal_write_failed" });
    expect(await store.get("later")).toBeNull();
    await store.dispose();
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.keys("")).toEqual(["kept"]);
    await reopened.dispose();
  });

  it("removes the temp file of an interrupted compaction and keeps the journal", async () => {
    const store = fsSessionStore({ dir, fs });
    await store.set("a", 1);
    await store.dispose();
    await fs.writeFile(join(dir, "journal.ndjson.crashed.tmp"), '{"k":"a","v":');
    const reopened = fsSessionStore({ dir, fs });
    expect(await reopened.get("a")).toBe(1);
    expect(await fs.readdir(dir)).toEqual(["journal.ndjson"]);
    await reopened.dispose();
  });
});
