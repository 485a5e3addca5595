/**
 * The embedded fs backend: session store and blob store under one data directory, locked against a second
 * gateway process. Used by `AGENT_MESH_STORE=fs` and by `agent-mesh gateway` (which ships no other backend).
 */
import { mkdirSync } from "node:fs";
import * as fs from "node:fs/promises";
import { totalmem } from "node:os";
import { resolve } from "node:path";
import { getHeapStatistics } from "node:v8";
import { fsBlobStore } from "../../gateway/src/blob-stores/fs.ts";
import type { BlobStore } from "../../gateway/src/blob-stores/types.ts";
import { withWriteHealth } from "../../gateway/src/session-stores/_write-health.ts";
import {
  type FsSessionStore,
  fsSessionStore,
  parseFsSyncMode,
  type WriteThroughFlags,
} from "../../gateway/src/session-stores/fs.ts";
import type { SessionStore, StoreUsage } from "../../gateway/src/session-stores/types.ts";
import { lockDataDir } from "./data-dir-lock.ts";

export interface Stores {
  store: SessionStore;
  blobs: BlobStore;
  /** The folder the fs session store keeps its data in, absolute (the start line names it); absent otherwise. */
  dataDir?: string;
}

/** The settings of the fs backend, as their environment variables give them (docs/storage.md). */
export interface FsSettings {
  /** AGENT_MESH_FS_SYNC: `always` (default), `<ms>` or `off`. */
  sync?: string;
  /** AGENT_MESH_FS_MAX_MB: live data above which no new work is taken; `0`: no limit; default `defaultMaxLiveBytes`. */
  maxMb?: string;
}

export function openFsStores(dataDir: string, settings: FsSettings = {}): Stores {
  const sync = parseFsSyncMode(settings.sync);
  const maxLiveBytes = parseFsMaxMb(settings.maxMb);
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  const sessions = fsSessionStore({
    dir: `${dataDir}/sessions`,
    fs,
    sync,
    maxLiveBytes,
    writeThrough: writeThroughFlags(),
  });
  // The lock goes with the session store, the one the entries dispose on shutdown.
  const store: SessionStore = {
    // A full disk or a read-only folder answers 503 store_read_only, and /health says so.
    ...withWriteHealth(sessions),
    usage: sayWhenFull(sessions),
    async dispose() {
      await sessions.dispose();
      unlock();
    },
  };
  return { store, blobs: fsBlobStore({ dir: `${dataDir}/blobs`, fs, sync }), dataDir: resolve(dataDir) };
}

/**
 * `O_DSYNC` for the journal in sync mode `always` (`_journal-sync.ts`), where it helps. On Node and Bun a file write
 * runs on an I/O thread, so a write that waits for the disk leaves the event loop free, and one trip per batch
 * replaces a write and an `fdatasync` (Node: 9,626 against 8,060 durable tasks/s under 32 senders; see
 * docs/storage.md). Deno's `FileHandle.write` holds the event loop until the write returns (2,000 such writes let
 * the loop turn once each, against about 140 times on Node and Bun), so every socket would wait for the disk.
 * Windows has no `O_DSYNC`.
 */
export function writeThroughFlags(): WriteThroughFlags | null {
  if ("Deno" in globalThis || typeof fs.constants?.O_DSYNC !== "number") return null;
  return fs.constants;
}

/** The store's `usage`, logging once when it reaches its limit and once when it has room again. */
function sayWhenFull(sessions: FsSessionStore, log = (line: string) => console.warn(line)): () => StoreUsage {
  let full = false;
  return () => {
    const usage = sessions.usage();
    const now = usage.maxLiveBytes !== null && usage.liveBytes >= usage.maxLiveBytes;
    if (now !== full) {
      full = now;
      const mb = Math.round((usage.maxLiveBytes ?? 0) / 2 ** 20);
      log(
        full
          ? `[gateway] [store] the fs store reached its limit (${mb} MB of live data, AGENT_MESH_FS_MAX_MB): new tasks and inbox messages get 507 store_full until finished tasks expire`
          : "[gateway] [store] the fs store has room again: new tasks and inbox messages are taken",
      );
    }
    return usage;
  };
}

/** AGENT_MESH_FS_MAX_MB as the store's `maxLiveBytes`: unset → the default, `0` → no limit. */
export function parseFsMaxMb(setting: string | undefined): number | null {
  if (setting === undefined || setting === "") return defaultMaxLiveBytes();
  if (!/^\d+$/.test(setting) || !Number.isSafeInteger(Number(setting) * 2 ** 20)) {
    const message = `AGENT_MESH_FS_MAX_MB must be a whole number of megabytes (0: no limit), got ${JSON.stringify(setting)}`;
    throw Object.assign(new Error(message), { code: "invalid_store_config" });
  }
  return Number(setting) === 0 ? null : Number(setting) * 2 ** 20;
}

/**
 * A quarter of the memory this process can use: the JavaScript heap's limit on V8 (Node, Deno), past which the
 * process dies however much memory the machine has; half the machine's memory on Bun, whose heap has no such limit.
 * A stored entry takes about 1.7 times its live size on the heap, and 2.5–3.9 times in RSS (a queued task: 590
 * bytes of live data, 1.0 KB of heap, 1.5 KB of RSS on Bun and 2.3 KB on Node), so the store's data then fills at
 * most about half the heap.
 */
export function defaultMaxLiveBytes(): number {
  const heapLimit =
    "bun" in process.versions ? Number.POSITIVE_INFINITY : getHeapStatistics().heap_size_limit;
  return Math.floor(Math.min(totalmem() / 2, heapLimit) / 4);
}
