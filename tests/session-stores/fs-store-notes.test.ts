/**
 * The fs store's start-up lines: a sync setting below the default, and a data folder on a file system that keeps
 * less than a disk (tmpfs, ramfs, a container's overlayfs). The folder's case runs for real on a tmpfs this Linux
 * machine mounts writable (/dev/shm on every distribution we know), through `createStoresFromEnv` (the gateway
 * entries) and through `agent-mesh gateway`. Every entry's start line names the data folder.
 */
import { accessSync, constants, readFileSync, statfsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { dataDirVolumeNote, fsSyncNote, volumeNote } from "../../runtimes/shared/fs-store-notes.ts";
import { createStoresFromEnv } from "../../runtimes/shared/store-from-env.ts";
import { cleanupCli, freshHome, spawnCli } from "../cli/helpers.ts";
import { type RuntimeName, startGateway } from "../helpers/gateway-process.ts";

const TMPFS = 0x01021994;

/** A tmpfs this process may write in, from the kernel's mount table; the tests that need one fail without it. */
function writableTmpfs(): string {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "));
  for (const [, path, type, options] of mounts) {
    if (type !== "tmpfs" || !path || !options?.split(",").includes("rw")) continue;
    try {
      accessSync(path, constants.W_OK);
      return path;
    } catch {
      // not ours to write in
    }
  }
  throw new Error("no writable tmpfs is mounted here (Linux mounts one at /dev/shm); these tests need one");
}

const dirs: string[] = [];
const folderIn = async (parent: string) => {
  const dir = await mkdtemp(join(parent, "agent-mesh-notes-"));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
afterAll(cleanupCli);

describe("fs store start-up lines", () => {
  it("names the file systems that keep less than a disk, and nothing for a disk", () => {
    expect(volumeNote("/srv/data", TMPFS)).toMatch(
      /^WARNING: AGENT_MESH_DATA_DIR \(\/srv\/data\) is on tmpfs, in memory: .* nothing there outlives a reboot/,
    );
    expect(volumeNote("/srv/data", 0x858458f6)).toMatch(/is on ramfs, in memory/);
    expect(volumeNote("/data", 0x794c7630)).toMatch(
      /is on overlayfs, as a container's own files are: .* not its removal .* mount a volume there/,
    );
    for (const disk of [0xef53, 0x58465342, 0x9123683e]) expect(volumeNote("/data", disk)).toBeNull(); // ext4, xfs, btrfs
    expect(fsSyncNote(undefined)).toBeNull();
    expect(fsSyncNote("always")).toBeNull();
    expect(fsSyncNote("off")).toMatch(
      /AGENT_MESH_FS_SYNC=off: acknowledged writes reach the OS, not the disk/,
    );
  });

  it("warns about a data folder in memory (a tmpfs)", async () => {
    const dir = await folderIn(writableTmpfs());
    expect(await dataDirVolumeNote(dir)).toMatch(/^WARNING: .* is on tmpfs, in memory/);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const { store } = await createStoresFromEnv({ AGENT_MESH_DATA_DIR: dir });
      await store.dispose();
      expect(log.mock.calls.flat().join("\n")).toContain(`WARNING: AGENT_MESH_DATA_DIR (${dir}) is on tmpfs`);
    } finally {
      log.mockRestore();
    }
  });

  it("says nothing of a data folder on the disk the tests' temp folders are on, unless that is in memory too", async () => {
    const dir = await folderIn(tmpdir());
    const onTmpfs = statfsSync(dir).type === TMPFS;
    expect(await dataDirVolumeNote(dir)).toEqual(onTmpfs ? expect.stringMatching(/tmpfs/) : null);
  });

  it("agent-mesh gateway prints both lines, with a sync window and a folder in memory (a tmpfs)", async () => {
    const dir = await folderIn(writableTmpfs());
    const gateway = spawnCli(["gateway", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir], {
      home: freshHome(),
      env: { AGENT_MESH_FS_SYNC: "250" },
    });
    const [, url] = await gateway.waitFor(/listening on (http:\/\/\S+)/, 30_000);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(gateway.output()).toContain(
      "AGENT_MESH_FS_SYNC=250: acknowledged writes are synced within 250 ms",
    );
    expect(gateway.output()).toContain(`WARNING: AGENT_MESH_DATA_DIR (${dir}) is on tmpfs, in memory`);
    // Where the data is (a default under the home folder is easy to lose track of), in the start line itself.
    expect(gateway.output()).toContain(`agent-mesh gateway (node, store=fs in ${dir}) listening on ${url}`);
    gateway.kill("SIGTERM");
    expect(await gateway.exited).toBe(0);
  }, 60_000);

  it.each<RuntimeName>([
    "bun",
    "deno",
    "node",
  ])("the %s entry names its data folder in its start line, as an absolute path", async (runtime) => {
    const gateway = await startGateway({ runtime, store: "fs" });
    try {
      expect(gateway.output()).toContain(
        `agent-mesh gateway (${runtime}, store=fs in ${gateway.dataDir}) listening on ${gateway.url}`,
      );
    } finally {
      await gateway.stop();
    }
  }, 60_000);
});
