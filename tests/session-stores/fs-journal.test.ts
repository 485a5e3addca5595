import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsSessionStore } from "../../gateway/src/session-stores/fs.ts";
import { journalChangesIn } from "../helpers/journal-changes.ts";
import { countingFs } from "../helpers/journal-fs.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    expect(await journalChangesIn(dir)).toHaveLength(200);
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
