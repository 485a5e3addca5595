/**
 * Picks the blob store (attachments, skill archives) from `AGENT_MESH_BLOBS`:
 *
 * - unset: follows the session store — `memory` → memory, `fs` → files under `AGENT_MESH_DATA_DIR/blobs`,
 *   `redis` / `upstash` → `store` (blobs in the same Redis, so every node sharing it reads them)
 * - `store`: blobs in the session store (base64 values under `blob:`), on any backend
 * - `fs`, `memory`: this node only
 * - `s3`: an S3-compatible bucket (AWS, R2, MinIO…) through unstorage's s3 driver:
 *   `AGENT_MESH_S3_ENDPOINT`, `AGENT_MESH_S3_BUCKET`, `AGENT_MESH_S3_REGION` (default `auto`),
 *   `AGENT_MESH_S3_ACCESS_KEY_ID`, `AGENT_MESH_S3_SECRET_ACCESS_KEY`
 */
import * as fs from "node:fs/promises";
import { fsBlobStore } from "../../gateway/src/blob-stores/fs.ts";
import { kvBlobStore } from "../../gateway/src/blob-stores/kv.ts";
import { memoryBlobStore } from "../../gateway/src/blob-stores/memory.ts";
import type { BlobStore } from "../../gateway/src/blob-stores/types.ts";
import { unstorageBlobStore } from "../../gateway/src/blob-stores/unstorage.ts";
import { type FsSyncMode, parseFsSyncMode } from "../../gateway/src/session-stores/fs.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";

type Env = Record<string, string | undefined>;

export const BLOB_BACKENDS = ["store", "fs", "memory", "s3"] as const;

/** Blob stores only this process can read: a cluster node must not use them. */
export const NODE_LOCAL_BLOBS = new Set(["fs", "memory"]);

/** The `AGENT_MESH_BLOBS` value in effect (explicit, or the default for the session store). */
export function blobBackendOf(env: Env): string {
  if (env.AGENT_MESH_BLOBS) return env.AGENT_MESH_BLOBS;
  const store = env.AGENT_MESH_STORE || "fs";
  return store === "redis" || store === "upstash" ? "store" : store;
}

export async function createBlobsFromEnv(env: Env, store: SessionStore, dataDir: string): Promise<BlobStore> {
  const backend = blobBackendOf(env);
  switch (backend) {
    case "store":
      return kvBlobStore({ store });
    case "fs":
      return fsBlobStore({ dir: `${dataDir}/blobs`, fs, sync: fsSyncOf(env) });
    case "memory":
      return memoryBlobStore();
    case "s3": {
      // Loaded only when chosen, like the networked session stores (store-from-env.ts).
      const { default: s3Driver } = await import("unstorage/drivers/s3");
      return unstorageBlobStore({
        name: "s3",
        driver: s3Driver({
          endpoint: required(env, "AGENT_MESH_S3_ENDPOINT", "https://s3.eu-west-1.amazonaws.com"),
          bucket: required(env, "AGENT_MESH_S3_BUCKET", "agent-mesh-blobs"),
          region: env.AGENT_MESH_S3_REGION || "auto",
          accessKeyId: required(env, "AGENT_MESH_S3_ACCESS_KEY_ID", "<access key id>"),
          secretAccessKey: required(env, "AGENT_MESH_S3_SECRET_ACCESS_KEY", "<secret access key>"),
        }),
      });
    }
    default:
      throw blobConfigError(
        `AGENT_MESH_BLOBS=${JSON.stringify(backend)} is not a blob store; set it to one of ${BLOB_BACKENDS.join(", ")}`,
      );
  }
}

function required(env: Env, name: string, example: string): string {
  const value = env[name];
  if (!value)
    throw blobConfigError(`AGENT_MESH_BLOBS=s3 needs ${name}; set ${name} (e.g. ${name}=${example})`);
  return value;
}

/** `AGENT_MESH_FS_SYNC` for fs blobs (the fs session store's setting; invalid stops the start like a bad store). */
function fsSyncOf(env: Env): FsSyncMode {
  try {
    return parseFsSyncMode(env.AGENT_MESH_FS_SYNC);
  } catch (error) {
    throw blobConfigError((error as Error).message);
  }
}

function blobConfigError(message: string): Error {
  return Object.assign(new Error(`[gateway] [blobs] ${message}`), { code: "invalid_blob_config" });
}
