/**
 * Picks the session store and blob store for the Bun, Deno and Node entries from environment variables:
 *
 * - `AGENT_MESH_STORE`: `memory`, `fs` (default), `redis` or `upstash`
 * - `AGENT_MESH_DATA_DIR`: directory of the fs backend (default `./.data`)
 * - `AGENT_MESH_FS_SYNC`: fs only, when a write is synced to disk: `always` (default), `<ms>` or `off`
 * - `AGENT_MESH_FS_MAX_MB`: fs only, the live data above which no new tasks or messages are taken (`0`: no limit)
 * - `REDIS_URL`: for `redis`
 * - `UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_TOKEN`: for `upstash`
 * - `AGENT_MESH_STORE_PREFIX`: key prefix on redis/upstash, so deployments can share a server (default `agent-mesh:`)
 * - `AGENT_MESH_BLOBS`: where blobs go (see `blobs-from-env.ts`; by default beside the session store)
 *
 * Node APIs are fine here (this is runtime wiring, not gateway core); all of them exist on Bun and Deno too. The
 * networked backends load only when chosen: their clients (ioredis, the Upstash client) would otherwise add a tenth
 * of a second or more to every start, which a restart with a fleet waiting to reconnect pays too.
 */
import { parseFsSyncMode } from "../../gateway/src/session-stores/fs.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import { createBlobsFromEnv } from "./blobs-from-env.ts";
import { fsSyncNote, printFsStoreNotes } from "./fs-store-notes.ts";
import { openFsStores, parseFsMaxMb, type Stores } from "./fs-stores.ts";

export type { Stores };

type Env = Record<string, string | undefined>;

const BACKENDS = ["memory", "fs", "redis", "upstash"] as const;

/**
 * @example
 * const { store, blobs } = await createStoresFromEnv(process.env);
 */
export async function createStoresFromEnv(env: Env): Promise<Stores> {
  const dataDir = env.AGENT_MESH_DATA_DIR || "./.data";
  const { store, dataDir: storeDir } = await openSessionStore(env, dataDir);
  try {
    return { store, blobs: await createBlobsFromEnv(env, store, dataDir), dataDir: storeDir };
  } catch (error) {
    await store.dispose();
    throw error;
  }
}

/**
 * The start-up line for an embedded store that keeps less than the default promise (an acknowledged write is on
 * disk), or null. Redis says its own (`RedisSessionStore.persistenceNotes`).
 */
export function embeddedDurabilityNote(env: Env): string | null {
  const backend = env.AGENT_MESH_STORE || "fs";
  if (backend === "memory") {
    return "  AGENT_MESH_STORE=memory: agents, tokens and tasks live in this process only, and are gone when it stops.";
  }
  return backend === "fs" ? fsSyncNote(env.AGENT_MESH_FS_SYNC) : null;
}

/** The session store `AGENT_MESH_STORE` names; for fs, with the folder it opened. */
async function openSessionStore(env: Env, dataDir: string): Promise<Pick<Stores, "store" | "dataDir">> {
  const backend = env.AGENT_MESH_STORE || "fs";
  const prefix = env.AGENT_MESH_STORE_PREFIX || undefined;
  switch (backend) {
    case "memory":
      console.log(embeddedDurabilityNote(env));
      return { store: memorySessionStore({}) };
    case "fs": {
      try {
        parseFsSyncMode(env.AGENT_MESH_FS_SYNC);
        parseFsMaxMb(env.AGENT_MESH_FS_MAX_MB);
      } catch (error) {
        // parseFsSyncMode's message names its scope already.
        throw configError((error as Error).message.replace(/^\[gateway\] \[store\] /, ""));
      }
      const { store, dataDir: opened } = openFsStores(dataDir, {
        sync: env.AGENT_MESH_FS_SYNC,
        maxMb: env.AGENT_MESH_FS_MAX_MB,
      });
      await printFsStoreNotes(dataDir, env.AGENT_MESH_FS_SYNC);
      return { store, dataDir: opened };
    }
    case "redis": {
      const url = required(env, "REDIS_URL", "redis://127.0.0.1:6379");
      const { redisSessionStore } = await import("../../gateway/src/session-stores/redis.ts");
      const store = redisSessionStore({ url, prefix });
      // Not awaited: a Redis that is down at start must not hold the gateway back (it serves 503 until Redis is up).
      void store.persistenceNotes().then((notes) => {
        for (const note of notes) console.log(note);
      });
      return { store };
    }
    case "upstash": {
      const url = required(env, "UPSTASH_REDIS_REST_URL", "https://<db>.upstash.io");
      const token = required(env, "UPSTASH_REDIS_REST_TOKEN", "<token from the Upstash console>");
      const { upstashSessionStore } = await import("../../gateway/src/session-stores/upstash.ts");
      return { store: upstashSessionStore({ url, token, prefix }) };
    }
    default:
      throw configError(
        `AGENT_MESH_STORE=${JSON.stringify(backend)} is not a store; set AGENT_MESH_STORE to one of ${BACKENDS.join(", ")}`,
      );
  }
}

function required(env: Env, name: string, example: string): string {
  const value = env[name];
  if (!value) {
    throw configError(
      `AGENT_MESH_STORE=${env.AGENT_MESH_STORE} needs ${name}; set ${name} (e.g. ${name}=${example})`,
    );
  }
  return value;
}

function configError(message: string): Error {
  return Object.assign(new Error(`[gateway] [store] ${message}`), { code: "invalid_store_config" });
}
