import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { fsBlobStore } from "../../gateway/src/blob-stores/fs.ts";
import { testBlobStore } from "../contracts/blob-store.ts";
import { fsBlobHarness } from "../helpers/store-harness.ts";

testBlobStore("fs", fsBlobHarness, { durable: true });

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
