/**
 * Builds the store instances the contract suites run against (Node side): a fresh temp dir per fs test, a unique
 * key prefix per redis/upstash test (so tests share one server without seeing each other's keys).
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, it } from "vitest";
import { fsBlobStore } from "../../gateway/src/blob-stores/fs.ts";
import { kvBlobStore } from "../../gateway/src/blob-stores/kv.ts";
import { withWriteHealth } from "../../gateway/src/session-stores/_write-health.ts";
import { fsSessionStore } from "../../gateway/src/session-stores/fs.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import { redisSessionStore } from "../../gateway/src/session-stores/redis.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { upstashSessionStore } from "../../gateway/src/session-stores/upstash.ts";
import type { BlobStoreUnderTest } from "../contracts/blob-store.ts";
import type { SessionStoreUnderTest } from "../contracts/session-store.ts";
import { fillableDisk } from "./full-disk.ts";
import { type RestartableRedis, startRestartableRedis } from "./redis-server.ts";
import { startUpstashServer, type UpstashServer } from "./upstash-server.ts";

let counter = 0;
const uniquePrefix = () => `test-${process.pid}-${Date.now().toString(36)}-${counter++}:`;

/** Starts Redis (and the Upstash bridge when asked) for one test file; registers a loud skip when missing. */
export async function redisForFile(options: { upstash?: boolean } = {}) {
  // Restartable (append-only file): the outage test stops it and brings it back with its data.
  const redis = await startRestartableRedis();
  if (!redis) {
    it.skip("SKIPPED: redis-server is not installed", () => {});
    return null;
  }
  const upstash = options.upstash ? await startUpstashServer(redis.url) : null;
  afterAll(async () => {
    await upstash?.stop();
    await redis.stop();
  });
  return { url: redis.url, upstash, redis };
}

/** Disposes every instance, then the data: works for any backend whose instances share one medium. */
function harness(openStore: () => SessionStore, wipe: (store: SessionStore) => Promise<void>) {
  const opened = [openStore()];
  return {
    store: opened[0]!,
    async reopen() {
      opened.push(openStore());
      return opened.at(-1)!;
    },
    async cleanup() {
      await wipe(opened[0]!);
      for (const store of opened) await store.dispose();
    },
  } satisfies SessionStoreUnderTest;
}

const deleteAll = async (store: SessionStore) => {
  for (const key of await store.keys("")) await store.delete(key);
};

export async function fsSessionHarness(): Promise<SessionStoreUnderTest> {
  const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-store-"));
  const disk = fillableDisk();
  return {
    // As the runtimes open it: with the wrapper that reports a full disk to /health.
    ...harness(
      () => withWriteHealth(fsSessionStore({ dir, fs: disk.fs }), () => {}),
      () => fs.rm(dir, { recursive: true, force: true }),
    ),
    fillDisk: disk.fill,
  };
}

export async function redisSessionHarness(
  url: string,
  server?: RestartableRedis,
): Promise<SessionStoreUnderTest> {
  const prefix = uniquePrefix();
  return {
    ...harness(() => redisSessionStore({ url, prefix }), deleteAll),
    outage: server && { begin: () => server.halt(), end: () => server.start() },
  };
}

export async function upstashSessionHarness(server: UpstashServer): Promise<SessionStoreUnderTest> {
  const prefix = uniquePrefix();
  return {
    ...harness(() => upstashSessionStore({ url: server.url, token: server.token, prefix }), deleteAll),
    outage: { begin: () => server.halt(), end: () => server.resume() },
  };
}

export async function fsBlobHarness(): Promise<BlobStoreUnderTest> {
  const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-blobs-"));
  const blobs = fsBlobStore({ dir, fs });
  return {
    blobs,
    reopen: async () => fsBlobStore({ dir, fs }),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

/** A kv blob store over a session-store harness; re-opening opens a second session store too. */
export async function kvBlobHarness(sessions: SessionStoreUnderTest): Promise<BlobStoreUnderTest> {
  return {
    blobs: kvBlobStore({ store: sessions.store }),
    reopen: async () => kvBlobStore({ store: await sessions.reopen!() }),
    cleanup: () => sessions.cleanup(),
  };
}

/** A store an index on sorted sets is tested on, and whether it has them (redis, upstash) or lists by prefix. */
export interface IndexedStore {
  name: string;
  open: () => Promise<SessionStoreUnderTest>;
  indexed: boolean;
}

/**
 * The stores the indexes on sorted sets are tested on: memory (prefix keys, no sorted sets), then redis and upstash
 * when redis-server is installed (a loud skip otherwise). Call at a test file's top level.
 */
export async function storesForIndexes(): Promise<IndexedStore[]> {
  const redis = await redisForFile({ upstash: true });
  const memory: IndexedStore = {
    name: "memory (prefix keys, no sorted sets)",
    open: async () => {
      const store = memorySessionStore({});
      return { store, cleanup: () => store.dispose() };
    },
    indexed: false,
  };
  if (!redis) return [memory];
  return [
    memory,
    { name: "redis", open: () => redisSessionHarness(redis.url), indexed: true },
    { name: "upstash", open: () => upstashSessionHarness(redis.upstash!), indexed: true },
  ];
}

/**
 * The store with a record of its `keys()` calls (the keyspace scans an index on sorted sets replaces) and of the
 * prefixes of its `keyRange()` calls (a listing read a chunk at a time).
 */
export function countingScans(store: SessionStore): {
  store: SessionStore;
  scans: string[];
  ranges: string[];
} {
  const scans: string[] = [];
  const ranges: string[] = [];
  return {
    store: {
      ...store,
      keys: (prefix) => {
        scans.push(prefix);
        return store.keys(prefix);
      },
      keyRange:
        store.keyRange &&
        ((prefix, range) => {
          ranges.push(prefix);
          return store.keyRange!(prefix, range);
        }),
    },
    scans,
    ranges,
  };
}
