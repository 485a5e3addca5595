import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { getHeapStatistics } from "node:v8";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FsSessionStore } from "../../gateway/src/session-stores/fs.ts";
import { defaultMaxLiveBytes } from "../../runtimes/shared/fs-stores.ts";
import { createStoresFromEnv, embeddedDurabilityNote } from "../../runtimes/shared/store-from-env.ts";
import { redisForFile } from "../helpers/store-harness.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const SMOKE = join(ROOT, "tests/helpers/store-smoke.ts");
const RUNTIMES: Record<string, string[]> = {
  node: [join(ROOT, "node_modules/.bin/tsx"), SMOKE],
  bun: [join(ROOT, "node_modules/bun/bin/bun.exe"), SMOKE],
  deno: [join(ROOT, "node_modules/deno/deno"), "run", "-A", SMOKE],
};
const EXPECTED_SMOKE = {
  value: { ok: true },
  added: [true, false],
  counted: [1, 2, 3],
  keys: ["smoke:once", "smoke:seq", "smoke:value"],
  blob: [1, 2, 255],
};

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "agent-mesh-env-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const redis = await redisForFile();

describe("createStoresFromEnv", () => {
  it("defaults to fs under AGENT_MESH_DATA_DIR and locks the directory with its PID", async () => {
    const dir = tempDir();
    const { store, blobs } = await createStoresFromEnv({ AGENT_MESH_DATA_DIR: dir });
    expect([store.name, blobs.name]).toEqual(["fs", "fs"]);
    await store.set("agent:a", 1);
    await blobs.put("att:a", Uint8Array.of(1));
    // The data, a commit line per batch, then the zero-filled space ahead (cut off at close).
    const journal = readFileSync(join(dir, "sessions/journal.ndjson"), "utf8");
    expect(journal.replace(/\0+$/, "")).toBe('{"c":0}\n{"k":"agent:a","v":1}\n{"c":22}\n');
    expect(existsSync(join(dir, "blobs/att/a@.bin"))).toBe(true);
    expect(readFileSync(join(dir, "gateway.lock"), "utf8")).toBe(String(process.pid));
    await store.dispose();
    expect(existsSync(join(dir, "gateway.lock"))).toBe(false);
  });

  it("refuses a data dir held by another live process and takes over a dead one's lock", async () => {
    const dir = tempDir();
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      writeFileSync(join(dir, "gateway.lock"), String(holder.pid));
      await expect(createStoresFromEnv({ AGENT_MESH_DATA_DIR: dir })).rejects.toThrow(
        `in use by process ${holder.pid}`,
      );
    } finally {
      holder.kill();
    }
    const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!;
    writeFileSync(join(dir, "gateway.lock"), String(dead));
    const { store } = await createStoresFromEnv({ AGENT_MESH_DATA_DIR: dir });
    expect(readFileSync(join(dir, "gateway.lock"), "utf8")).toBe(String(process.pid));
    await store.dispose();
  });

  it("opens memory, and names the variable to set when the config is wrong", async () => {
    const { store } = await createStoresFromEnv({ AGENT_MESH_STORE: "memory" });
    expect(store.name).toBe("memory");
    await store.dispose();
    await expect(createStoresFromEnv({ AGENT_MESH_STORE: "mongo" })).rejects.toThrow(
      /set AGENT_MESH_STORE to one of/,
    );
    await expect(createStoresFromEnv({ AGENT_MESH_STORE: "redis" })).rejects.toThrow(/set REDIS_URL/);
    await expect(createStoresFromEnv({ AGENT_MESH_STORE: "upstash" })).rejects.toThrow(
      /set UPSTASH_REDIS_REST_URL/,
    );
    await expect(
      createStoresFromEnv({ AGENT_MESH_STORE: "upstash", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1" }),
    ).rejects.toThrow(/set UPSTASH_REDIS_REST_TOKEN/);
    for (const wrong of ["sometimes", "0", "1.5", "-5", "60001"]) {
      await expect(
        createStoresFromEnv({ AGENT_MESH_DATA_DIR: tempDir(), AGENT_MESH_FS_SYNC: wrong }),
      ).rejects.toMatchObject({ code: "invalid_store_config", message: /AGENT_MESH_FS_SYNC=.*use "always"/ });
    }
  });

  it("passes AGENT_MESH_FS_SYNC to the fs store: always syncs every acknowledged batch, off never", async () => {
    const syncsAfterWrites = async (setting: string | undefined) => {
      const { store } = await createStoresFromEnv({
        AGENT_MESH_DATA_DIR: tempDir(),
        AGENT_MESH_FS_SYNC: setting,
      });
      await store.keys("");
      const before = (store as FsSessionStore).syncCount();
      for (let i = 0; i < 3; i++) await store.set(`k:${i}`, i);
      const syncs = (store as FsSessionStore).syncCount() - before;
      await store.dispose();
      return syncs;
    };
    expect(await syncsAfterWrites(undefined)).toBe(3);
    expect(await syncsAfterWrites("ALWAYS")).toBe(3);
    expect(await syncsAfterWrites("off")).toBe(0);
    expect(await syncsAfterWrites("60000")).toBe(0); // synced later (or on dispose), never before the answer
  });

  it("says at start what an embedded store that does not sync before each answer would lose", async () => {
    expect(embeddedDurabilityNote({})).toBeNull();
    expect(embeddedDurabilityNote({ AGENT_MESH_FS_SYNC: "always" })).toBeNull();
    expect(embeddedDurabilityNote({ AGENT_MESH_STORE: "redis" })).toBeNull();
    expect(embeddedDurabilityNote({ AGENT_MESH_FS_SYNC: "off" })).toMatch(
      /AGENT_MESH_FS_SYNC=off: acknowledged writes reach the OS, not the disk: a power cut .* last half minute/,
    );
    expect(embeddedDurabilityNote({ AGENT_MESH_FS_SYNC: "250" })).toMatch(
      /synced within 250 ms: a power cut/,
    );
    expect(embeddedDurabilityNote({ AGENT_MESH_STORE: "memory" })).toMatch(/gone when it stops/);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const { store } = await createStoresFromEnv({
        AGENT_MESH_DATA_DIR: tempDir(),
        AGENT_MESH_FS_SYNC: "off",
      });
      await store.dispose();
      expect(log.mock.calls.flat().join("\n")).toContain(
        "AGENT_MESH_FS_SYNC=off: acknowledged writes reach the OS",
      );
    } finally {
      log.mockRestore();
    }
  });

  it("passes AGENT_MESH_FS_MAX_MB to the fs store: unset is the default, 0 is no limit, anything else is refused", async () => {
    const limitOf = async (setting: string | undefined) => {
      const { store } = await createStoresFromEnv({
        AGENT_MESH_DATA_DIR: tempDir(),
        AGENT_MESH_FS_MAX_MB: setting,
      });
      const { maxLiveBytes } = (store as FsSessionStore).usage();
      await store.dispose();
      return maxLiveBytes;
    };
    expect(await limitOf("64")).toBe(64 * 2 ** 20);
    expect(await limitOf("0")).toBeNull();
    expect(await limitOf(undefined)).toBe(defaultMaxLiveBytes());
    expect(await limitOf("")).toBe(defaultMaxLiveBytes());
    // On Node: a quarter of the JavaScript heap's limit, or of half the memory when that is less.
    const heapLimit = getHeapStatistics().heap_size_limit;
    expect(defaultMaxLiveBytes()).toBe(Math.floor(Math.min(totalmem() / 2, heapLimit) / 4));
    for (const wrong of ["-1", "1.5", "lots", "1e3", "99999999999999"]) {
      await expect(
        createStoresFromEnv({ AGENT_MESH_DATA_DIR: tempDir(), AGENT_MESH_FS_MAX_MB: wrong }),
      ).rejects.toMatchObject({
        code: "invalid_store_config",
        message: /AGENT_MESH_FS_MAX_MB must be a whole number/,
      });
    }
  });

  it.runIf(redis)("opens redis with a key prefix and keeps blobs apart from session keys", async () => {
    const env = { AGENT_MESH_STORE: "redis", REDIS_URL: redis!.url, AGENT_MESH_STORE_PREFIX: "env-test:" };
    const { store, blobs } = await createStoresFromEnv(env);
    await blobs.put("att:a", Uint8Array.of(7));
    await store.set("agent:a", 1);
    expect(await store.keys("")).toEqual(["agent:a", "blob:att:a"]);
    await store.delete("agent:a");
    await blobs.delete("att:a");
    await store.dispose();
  });

  const backends: Record<string, Record<string, string>> = {
    fs: { AGENT_MESH_STORE: "fs" },
    ...(redis ? { redis: { AGENT_MESH_STORE: "redis", REDIS_URL: redis.url } } : {}),
  };
  for (const [runtime, command] of Object.entries(RUNTIMES)) {
    for (const [backend, backendEnv] of Object.entries(backends)) {
      it(`runs on ${runtime} with the ${backend} backend`, async () => {
        const [binary, ...args] = command as [string, ...string[]];
        const run = spawnSync(binary, args, {
          cwd: ROOT,
          env: {
            ...process.env,
            ...backendEnv,
            AGENT_MESH_DATA_DIR: tempDir(),
            AGENT_MESH_STORE_PREFIX: `smoke-${runtime}-${Date.now()}:`,
          },
          encoding: "utf8",
          timeout: 30_000,
        });
        expect(run.stderr).not.toMatch(/error/i);
        const { maxLiveBytes, journalWrittenThrough, ...result } = JSON.parse(
          run.stdout.trim().split("\n").at(-1)!,
        );
        expect(result).toEqual({ name: backend, ...EXPECTED_SMOKE });
        if (backend !== "fs") expect(maxLiveBytes).toBeNull();
        // Bun's heap has no limit of its own: an eighth of the machine's memory. On V8, at most that.
        else if (runtime === "bun") expect(maxLiveBytes).toBe(Math.floor(totalmem() / 8));
        else expect(maxLiveBytes).toBeGreaterThan(64 * 2 ** 20);
        if (backend === "fs" && runtime !== "bun") expect(maxLiveBytes).toBeLessThanOrEqual(totalmem() / 8);
        // Sync mode always writes the journal through (O_DSYNC) where a file write leaves the event loop free: not
        // on Deno, whose FileHandle.write holds it until the disk is done (runtimes/shared/fs-stores.ts).
        if (backend !== "fs") expect(journalWrittenThrough).toBeNull();
        else if (process.platform === "linux") expect(journalWrittenThrough).toBe(runtime !== "deno");
      });
    }
  }
});
