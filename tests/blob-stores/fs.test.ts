import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it, vi } from "vitest";
import { fsBlobStore } from "../../gateway/src/blob-stores/fs.ts";
import { extended } from "../../gateway/src/util/extended.ts";
import { type BlobStoreUnderTest, testBlobStore } from "../contracts/blob-store.ts";
import { fsBlobHarness } from "../helpers/store-harness.ts";

const HOUR_MS = 3_600_000;

testBlobStore("fs", fsBlobHarness, {
  durable: true,
  expiry: { skip: "fs drops expired blobs at an hourly sweep: tested below with its clock moved on" },
});

/**
 * fs drops an expired blob at the first sweep after the hour it expires in (its markers are filed by the hour), and
 * sweeps at most hourly: so its clock moves on by an hour more than the contract asks.
 */
testBlobStore(
  "fs (clock moved on)",
  async (): Promise<BlobStoreUnderTest> => {
    const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-blobs-"));
    let offset = 0;
    const open = () => fsBlobStore({ dir, fs, now: () => Date.now() + offset });
    const blobs = open();
    return {
      blobs,
      reopen: async () => open(),
      elapse: async (seconds) => {
        offset += seconds * 1000 + HOUR_MS;
      },
      cleanup: async () => {
        await blobs.dispose();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  },
  { durable: true, expiry: "dropped" },
);

const exists = (path: string) =>
  fs.access(path).then(
    () => true,
    () => false,
  );

it("fs blobs: the first put into a folder that was there removes the temp files a crash left in it", async () => {
  const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-blobs-"));
  try {
    await fs.mkdir(join(dir, "att/r1"), { recursive: true });
    const leftovers = ["att/r1/a@.bin.k2j3h4g5-0.tmp", "stale@.bin.zz99zz99-3.tmp"];
    for (const file of [...leftovers, "att/r1/kept@.bin"]) await fs.writeFile(join(dir, file), "x");
    const blobs = fsBlobStore({ dir, fs });
    await blobs.put("att:r1:b", Uint8Array.of(1));
    expect((await fs.readdir(join(dir, "att/r1"))).sort()).toEqual(["b@.bin", "kept@.bin"]);
    expect(await fs.readdir(dir)).toEqual(["att"]);
    expect(Array.from((await blobs.get("att:r1:kept"))!)).toEqual([120]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

it("fs blobs: a put with a TTL leaves its marker, synced, before it writes the blob", async () => {
  const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-blobs-"));
  const steps: string[] = [];
  const relative = (path: string) => path.slice(dir.length + 1);
  const recording = extended(fs, {
    writeFile: (path: string, data: string | Uint8Array) => {
      steps.push(`write ${relative(path)}`);
      return fs.writeFile(path, data);
    },
    open: (path: string, flags: string) => {
      steps.push(`open ${relative(path)}`);
      return fs.open(path, flags);
    },
    rename: (from: string, to: string) => {
      steps.push(`rename to ${relative(to)}`);
      return fs.rename(from, to);
    },
  });
  try {
    const now = Date.now();
    const blobs = fsBlobStore({ dir, fs: recording, now: () => now });
    await blobs.put("attachment:r1:ag_1:ab", Uint8Array.of(1), { ttl: 60 });
    const hour = Math.ceil((now + 60_000) / HOUR_MS);
    const marker = `.expiring/${hour}/attachment+r1+ag_1+ab`;
    expect(await fs.readdir(join(dir, `.expiring/${hour}`))).toEqual(["attachment+r1+ag_1+ab"]);
    const at = (step: string) => steps.indexOf(step);
    expect(at(`write ${marker}`)).toBeGreaterThanOrEqual(0);
    expect(at(`open .expiring/${hour}`)).toBeGreaterThan(at(`write ${marker}`)); // its folder synced
    expect(at("rename to attachment/r1/ag_1/ab@.bin")).toBeGreaterThan(at(`open .expiring/${hour}`));
    // A put without a TTL leaves no marker.
    await blobs.put("skill:alice:demo:1.0.0", Uint8Array.of(2));
    expect(await fs.readdir(join(dir, ".expiring"))).toEqual([String(hour)]);
    await blobs.dispose();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

it("fs blobs: a store opened after the hour removes the expired blob's file, its marker and the hour's folder", async () => {
  const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-blobs-"));
  const outside = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-outside-"));
  try {
    let offset = 0;
    const open = () => fsBlobStore({ dir, fs, now: () => Date.now() + offset });
    const blobs = open();
    await blobs.put("attachment:r1:ag_1:ab", Uint8Array.of(1), { ttl: 1 });
    await blobs.put("attachment:r2:ag_1:cd", Uint8Array.of(2), { ttl: 7 * 24 * 3600 });
    await blobs.put("skill:alice:demo:1.0.0", Uint8Array.of(3));
    await blobs.dispose();
    const hours = (await fs.readdir(join(dir, ".expiring"))).sort();
    expect(hours).toHaveLength(2);
    expect(await exists(join(dir, "attachment/r1/ag_1/ab@.bin"))).toBe(true);
    // Markers that name no key of this store: one reaching outside its folder (`..:outside`, the store's key
    // check refuses it) is left alone, as is its folder; one whose blob is gone just goes.
    await fs.writeFile(join(outside, "victim@.bin"), "keep me");
    await fs.mkdir(join(dir, ".expiring/1"));
    for (const name of [`..+${outside.split("/").pop()}+victim`, "..+outside", "attachment+gone"])
      await fs.writeFile(join(dir, ".expiring/1", name), "");

    offset += 2 * HOUR_MS;
    const again = open(); // opening sweeps
    const kept = [`..+${outside.split("/").pop()}+victim`, "..+outside"].sort();
    await vi.waitFor(async () => {
      expect((await fs.readdir(join(dir, ".expiring"))).sort()).toEqual(["1", hours[1]]);
      expect((await fs.readdir(join(dir, ".expiring/1"))).sort()).toEqual(kept);
    });
    expect(await exists(join(dir, "attachment/r1/ag_1/ab@.bin"))).toBe(false);
    expect(await fs.readFile(join(outside, "victim@.bin"), "utf8")).toBe("keep me");
    expect(await again.get("attachment:r1:ag_1:ab")).toBeNull();
    expect(Array.from((await again.get("attachment:r2:ag_1:cd"))!)).toEqual([2]);
    expect(Array.from((await again.get("skill:alice:demo:1.0.0"))!)).toEqual([3]);
    await again.dispose();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(outside, { recursive: true, force: true });
  }
});
