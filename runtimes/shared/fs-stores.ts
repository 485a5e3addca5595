/**
 * The embedded fs backend: session store and blob store under one data directory, locked against a second
 * gateway process. Used by `AGENT_MESH_STORE=fs` and by `agent-mesh gateway` (which ships no other backend).
 */
import { mkdirSync } from "node:fs";
import * as fs from "node:fs/promises";
import { fsBlobStore } from "../../gateway/src/blob-stores/fs.ts";
import type { BlobStore } from "../../gateway/src/blob-stores/types.ts";
import { withWriteHealth } from "../../gateway/src/session-stores/_write-health.ts";
import { fsSessionStore, parseFsSyncMode } from "../../gateway/src/session-stores/fs.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { lockDataDir } from "./data-dir-lock.ts";

export interface Stores {
  store: SessionStore;
  blobs: BlobStore;
}

/** `syncSetting` is AGENT_MESH_FS_SYNC: `always` (default), `<ms>` or `off` (docs/storage.md). */
export function openFsStores(dataDir: string, syncSetting?: string): Stores {
  const sync = parseFsSyncMode(syncSetting);
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  const sessions = fsSessionStore({ dir: `${dataDir}/sessions`, fs, sync });
  // The lock goes with the session store, the one the entries dispose on shutdown.
  const store: SessionStore = {
    // A full disk or a read-only folder answers 503 store_read_only, and /health says so.
    ...withWriteHealth(sessions),
    async dispose() {
      await sessions.dispose();
      unlock();
    },
  };
  return { store, blobs: fsBlobStore({ dir: `${dataDir}/blobs`, fs }) };
}
