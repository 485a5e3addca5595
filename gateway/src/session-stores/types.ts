/**
 * The one storage contract of the gateway. Every backend (memory, fs, redis, upstash, cloudflare) implements it in
 * one file of its own; the gateway builds agents, tokens, tickets, presence, tasks and sessions on top of it.
 *
 * Keys are `:`-separated segments of `[A-Za-z0-9._-]` (no `/`, no `..`), e.g. `task:01J…`. Values are
 * JSON-serialisable. TTLs are in seconds and honoured by every backend (memory and fs keep their own expiry,
 * because unstorage ignores TTL there).
 *
 * @module
 */

export interface SetOptions {
  /** Seconds until the key disappears. */
  ttl?: number;
}

/** What `/health` reports about the store: `up`, or why it cannot serve (the gateway then answers 503). */
export interface StoreHealth {
  /** `unavailable`: cannot be reached (redis, upstash); `read_only`: writes fail (fs: disk full, read-only). */
  state: "up" | "unavailable" | "read_only";
  /** ISO time the state began. */
  since?: string;
  /** What is wrong, for an operator. */
  message?: string;
}

/**
 * Sorted sets (Redis `ZADD` / `ZREM` / `ZRANGE`): an index the store keeps natively, so a listing costs the size of
 * the answer instead of a keyspace scan. Offered by the redis and upstash backends, whose `keys` is a SCAN; memory
 * and fs already answer `keys(prefix)` from an in-memory prefix index and leave it out.
 */
export interface SortedSets {
  /** Adds `member` (or moves it) with `score`. */
  add(key: string, member: string, score: number): Promise<void>;
  remove(key: string, member: string): Promise<void>;
  /** Every member, lowest score first (ties in byte order of the member). */
  range(key: string): Promise<string[]>;
}

export interface SessionStore {
  /** Backend name shown in `/health`: `memory`, `fs`, `redis`, `upstash` or `cloudflare`. */
  readonly name: string;
  get<T = unknown>(key: string): Promise<T | null>;
  set(key: string, value: unknown, options?: SetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomically writes the key only if it is absent. Of concurrent callers exactly one gets `true`. */
  add(key: string, value: unknown, options?: SetOptions): Promise<boolean>;
  /** Atomically reads and deletes. Of concurrent callers exactly one gets the value (single-use tickets). */
  take<T = unknown>(key: string): Promise<T | null>;
  /** Atomically adds `by` (default 1) to an integer counter that starts at 0; returns the new value. */
  increment(key: string, by?: number): Promise<number>;
  /** Every live key starting with `prefix`, sorted ascending (byte order). */
  keys(prefix: string): Promise<string[]>;
  /** Native sorted sets, on backends whose `keys` is a scan (redis, upstash). */
  sortedSets?: SortedSets;
  /** Current health; absent on backends that cannot fail apart from their process (memory). */
  health?(): StoreHealth;
  /** Closes connections and timers. The store is unusable afterwards. */
  dispose(): Promise<void>;
}

/** A typed factory, the shape every backend file exports. */
export type SessionStoreFactory<Options, Store extends SessionStore = SessionStore> = (
  options: Options,
) => Store;

const KEY = /^[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)*$/;
/** A `.` or `..` segment: `KEY` lets each through, so this second look refuses them (without splitting the key). */
const DOT_SEGMENT = /(?:^|:)\.\.?(?::|$)/;

/** Throws when a key is not one the contract allows; backends call it before touching their medium. */
export function assertKey(key: string): void {
  if (!KEY.test(key) || DOT_SEGMENT.test(key)) {
    throw new Error(`[gateway] [store] invalid key ${JSON.stringify(key)}`);
  }
}
