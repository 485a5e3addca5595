/**
 * What an acknowledged write is worth on the Redis a gateway stores in. That is the server's configuration, not the
 * gateway's, so the gateway reads it once at start (`CONFIG GET`) and says it in a line. The fs store syncs before
 * it answers; a Redis with its defaults keeps no append-only file, so a restart of Redis loses the tasks acknowledged
 * since its last snapshot, and an evicting `maxmemory-policy` drops them whenever its memory runs short.
 * @module
 */

/** The settings that decide it, as `CONFIG GET` answers them. */
export interface RedisPersistence {
  /** `yes` or `no`. */
  appendonly: string;
  /** `always`, `everysec` or `no`. */
  appendfsync: string;
  /** Snapshot points (`3600 1 300 100`), empty for none. */
  save: string;
  maxmemoryPolicy: string;
}

/** Sends one command; resolves with its reply. */
export type RedisCall = (command: string, ...args: string[]) => Promise<unknown>;

/**
 * Reads the settings, one parameter per `CONFIG GET` (several in one call need Redis 7; the store supports 6.2).
 * Rejects when the server refuses `CONFIG` (managed services and ACL users often may not run it).
 */
export async function readRedisPersistence(call: RedisCall): Promise<RedisPersistence> {
  const get = async (name: string): Promise<string> => {
    const reply = await call("CONFIG", "GET", name);
    // A flat [name, value] list; an unknown name answers an empty one.
    return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : "";
  };
  const [appendonly, appendfsync, save, maxmemoryPolicy] = await Promise.all([
    get("appendonly"),
    get("appendfsync"),
    get("save"),
    get("maxmemory-policy"),
  ]);
  return { appendonly, appendfsync, save, maxmemoryPolicy };
}

const SEE = "(docs/storage.md, redis)";

/** The start-up lines for `where` (`redis at host:port`): what a crash or power cut would lose, then any warning. */
export function persistenceNotes(where: string, settings: RedisPersistence): string[] {
  const notes = [`  The session store is ${where}: ${durability(settings)}`];
  if (settings.maxmemoryPolicy && settings.maxmemoryPolicy !== "noeviction") {
    notes.push(
      `  WARNING: ${where} evicts keys when it reaches its maxmemory (maxmemory-policy ${settings.maxmemoryPolicy}): ` +
        `it would drop tasks and tokens the gateway acknowledged. Set maxmemory-policy noeviction; a full Redis ` +
        `then refuses new tasks with 507 store_full instead ${SEE}.`,
    );
  }
  return notes;
}

/** The line when the settings cannot be read. */
export function unreadablePersistenceNote(where: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return (
    `  The session store is ${where}; its persistence settings could not be read (CONFIG GET: ${reason}): ` +
    `acknowledged writes are as durable as that server is configured to make them ${SEE}.`
  );
}

function durability({ appendonly, appendfsync, save }: RedisPersistence): string {
  if (appendonly === "yes") {
    switch (appendfsync) {
      case "always":
        return "it syncs its append-only file before each answer (appendfsync always), so an acknowledged task survives a power cut.";
      case "everysec":
        return (
          "it syncs its append-only file once a second (appendfsync everysec): a crash of Redis may lose the last " +
          "write, a power cut or kernel crash about the last second of acknowledged tasks (two at worst); " +
          `appendfsync always closes that ${SEE}.`
        );
      default:
        return (
          `it leaves syncing its append-only file to the OS (appendfsync ${appendfsync}): a power cut or kernel crash ` +
          `can lose the last half minute of acknowledged tasks ${SEE}.`
        );
    }
  }
  if (save.trim() === "") {
    return (
      'it keeps no append-only file and takes no snapshots (appendonly no, save ""): when Redis restarts, ' +
      `everything the gateway stored is gone. Set appendonly yes ${SEE}.`
    );
  }
  return (
    `it keeps no append-only file, only snapshots (appendonly no, save "${save}"): a crash of Redis loses the tasks ` +
    `acknowledged since its last snapshot. Set appendonly yes ${SEE}.`
  );
}
