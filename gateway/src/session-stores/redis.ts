/**
 * Session store on Redis through ioredis: one native command per operation (see `_redis-commands.ts`), so every
 * operation is atomic across processes.
 *
 * Outages: the store owns its client's connection events, so a stopped Redis turns every operation into an immediate
 * `store_unavailable` (see `_availability.ts`) and ioredis reconnects every ≤ 1 s; no command waits in an offline
 * queue for a server that is gone.
 *
 * unstorage's redis driver is not used: it cannot take an existing client, turns the string "123" into the number
 * 123 on read, and has no atomic operations, so the raw client would be needed anyway.
 * @module
 */
import { Redis, ReplyError } from "ioredis";
import { createAvailability } from "./_availability.ts";
import { StoreError } from "./_errors.ts";
import { createRedisCommandStore } from "./_redis-commands.ts";
import { persistenceNotes, readRedisPersistence, unreadablePersistenceNote } from "./_redis-persistence.ts";
import { redisRefusal } from "./_redis-refusals.ts";
import type { SessionStore, SessionStoreFactory } from "./types.ts";

/** The part of an ioredis client this store uses. */
export interface RedisClientLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

export type RedisSessionStoreOptions = (
  | { /** `redis://[:password@]host:port[/db]` */ url: string; client?: undefined }
  | {
      /** An ioredis client; the caller keeps ownership (dispose does not quit it). */ client: RedisClientLike;
      url?: undefined;
    }
) & {
  /** Prepended to every key, so several deployments can share a server. Default `agent-mesh:`. */
  prefix?: string;
};

export interface RedisSessionStore extends SessionStore {
  /**
   * Lines for the operator, read from the server's `CONFIG`: what a crash or power cut of it would lose of what the
   * gateway acknowledged, and a warning if it evicts keys (`_redis-persistence.ts`). Never rejects.
   */
  persistenceNotes(): Promise<string[]>;
}

/**
 * @example
 * const store = redisSessionStore({ url: "redis://127.0.0.1:6379", prefix: "mesh-prod:" });
 * await store.add("lock:agent:a1", { pid: 1 }, { ttl: 30 }); // true for exactly one caller
 */
export const redisSessionStore: SessionStoreFactory<RedisSessionStoreOptions, RedisSessionStore> = (
  options,
) => {
  if (!options?.url && !options?.client) {
    throw new StoreError("missing_option", "redisSessionStore needs `url` (e.g. REDIS_URL) or `client`");
  }
  const ownsClient = !options.client;
  const client: RedisClientLike = options.client ?? new Redis(options.url, REDIS_CLIENT_OPTIONS);
  const where = `redis at ${options.url ? redisHostOf(options.url) : "the given client"}`;
  const availability = createAvailability({
    what: where,
    probe: () => client.call("PING"),
  });
  watchConnection(client, availability);
  const store = createRedisCommandStore({
    name: "redis",
    prefix: options.prefix ?? "agent-mesh:",
    send: ([command, ...args]) =>
      availability
        .guard(() => client.call(command, ...args), isRedisOutage)
        .catch((error) => rethrowRedisRefusal(error, "the session store (redis)")),
    close: async () => {
      availability.dispose();
      if (ownsClient) await client.quit().catch(() => {});
    },
  });
  return {
    ...store,
    health: () => availability.health(),
    persistenceNotes: () =>
      readRedisPersistence((command, ...args) => client.call(command, ...args)).then(
        (settings) => persistenceNotes(where, settings),
        (error: unknown) => [unreadablePersistenceNote(where, error)],
      ),
  };
};

/**
 * Fail fast instead of queueing: one retry of a command caught by a reconnect, reconnect attempts every 100 ms to
 * 1 s forever, and a bounded connect time.
 */
export const REDIS_CLIENT_OPTIONS = {
  lazyConnect: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 1000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
};

/** Everything but a Redis reply error (wrong type, not an integer…) means the server could not be reached. */
export const isRedisOutage = (error: unknown): boolean => !(error instanceof ReplyError);

/**
 * Rethrows an ioredis error: a refusal as the store's (_redis-refusals.ts), any other reply without the arguments
 * ioredis keeps on it (`command.args`: a task's message, a token's hash), which must never reach a log.
 */
export function rethrowRedisRefusal(error: unknown, what: string): never {
  if (!(error instanceof ReplyError)) throw error;
  const reply = error as Error & { command?: { name?: string; args?: unknown } };
  if (reply.command) reply.command = { name: reply.command.name };
  throw redisRefusal(reply.message, what, reply) ?? reply;
}

/** Follows an ioredis client's connection; `error` events are handled here, so they are never "unhandled". */
function watchConnection(client: RedisClientLike, availability: ReturnType<typeof createAvailability>): void {
  const events = client as Partial<Pick<Redis, "on" | "status">>;
  if (typeof events.on !== "function") return;
  events.on("error", (error: Error) => availability.markDown(error));
  events.on("close", () => availability.markDown());
  events.on("ready", () => availability.markUp());
}

/** `host:port` of a Redis URL, never its password. */
export function redisHostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "the configured REDIS_URL";
  }
}
