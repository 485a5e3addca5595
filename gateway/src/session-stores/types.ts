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

/** Options of `increment`. */
export interface IncrementOptions {
  /**
   * `false`: losing this step to a power cut is harmless (a download count, a rate-limit window's count), so a store that syncs
   * before it acknowledges (fs with sync `always`) resolves once the step is in memory, instead of waiting for the
   * sync. The fs store writes it ahead of its next write, or within a second, in order. Default `true`.
   */
  durable?: boolean;
}

/** See `SessionStore.usage`. */
export interface StoreUsage {
  /** Live entries' size as journal lines (characters: a cheap estimate of bytes). */
  liveBytes: number;
  /** Above it the gateway takes no new tasks or inbox messages (507 `store_full`); null: no limit. */
  maxLiveBytes: number | null;
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
  /**
   * At most `count` members after `after` (null: from the first), in byte order: for sets whose members all have
   * the same score (Redis `ZRANGEBYLEX`), where the member is what they are sorted by.
   */
  rangeAfter(key: string, after: string | null, count: number): Promise<string[]>;
  /** As `rangeAfter`, backwards: at most `count` members before `before` (null: from the last), highest first. */
  rangeBefore(key: string, before: string | null, count: number): Promise<string[]>;
}

/** Which part of a prefix's keys `keyRange` answers. */
export interface KeyRange {
  /** A full key: the page starts after it (`up`) or before it (`down`); null starts at the first (last) key. */
  from: string | null;
  /** The most keys answered: an integer from 1 to `KEY_RANGE_MAX`. */
  limit: number;
  /** `up`: ascending byte order; `down`: descending. */
  direction: "up" | "down";
}

/** The largest `KeyRange.limit`. */
export const KEY_RANGE_MAX = 10_000;

/**
 * What an `update` step decides: the key's next value and its TTL (as with `set`), `{ delete: true }` to remove the
 * key (only while it still holds what the step saw: a conditional delete), or `undefined` to write nothing.
 */
export type UpdateStep<T> = { value: T; ttl?: number } | { delete: true } | undefined;

/** The outcome of `update`. */
export interface UpdateResult<T> {
  /** What the key holds once the update is done: the value written, the unchanged current one, or null (absent, or deleted by this update). */
  value: T | null;
  /** Whether this call wrote. */
  changed: boolean;
}

export interface SessionStore {
  /** Backend name shown in `/health`: `memory`, `fs`, `redis`, `upstash` or `cloudflare`. */
  readonly name: string;
  get<T = unknown>(key: string): Promise<T | null>;
  /**
   * The values of `keys`, in their order (null for a missing or expired key), in one round trip where the store
   * has them (redis `MGET`, one call to the Durable Object): a listing reads a page's records this way.
   */
  getMany<T = unknown>(keys: string[]): Promise<(T | null)[]>;
  set(key: string, value: unknown, options?: SetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomically writes the key only if it is absent. Of concurrent callers exactly one gets `true`. */
  add(key: string, value: unknown, options?: SetOptions): Promise<boolean>;
  /** Atomically reads and deletes. Of concurrent callers exactly one gets the value (single-use tickets). */
  take<T = unknown>(key: string): Promise<T | null>;
  /** Atomically adds `by` (default 1) to an integer counter that starts at 0; returns the new value. */
  increment(key: string, by?: number, options?: IncrementOptions): Promise<number>;
  /**
   * Read-modify-write without lost updates (compare-and-set): `step` gets the key's current value (its own copy;
   * null when absent) and returns the next one, and the write happens only if nobody else wrote the key in between;
   * otherwise `step` runs again on the newer value. So of two processes that update one key at the same time, each
   * sees the other's write. `step` is synchronous, may run several times and must decide from its argument alone.
   * Gives up with `update_conflict` after many conflicts in a row (a key rewritten without pause).
   */
  update<T = unknown>(key: string, step: (current: T | null) => UpdateStep<T>): Promise<UpdateResult<T>>;
  /** Every live key starting with `prefix`, sorted ascending (byte order). */
  keys(prefix: string): Promise<string[]>;
  /**
   * A page of `keys(prefix)`, so a listing reads what its page needs: on cloudflare `keys` sends every key under
   * the prefix over RPC (the admin's agent list: a name per agent of the deployment, for each page), and memory
   * and fs copy their whole sorted listing. Redis and upstash, whose `keys` is a scan, keep sorted sets instead.
   */
  keyRange?(prefix: string, range: KeyRange): Promise<string[]>;
  /** Native sorted sets, on backends whose `keys` is a scan (redis, upstash). */
  sortedSets?: SortedSets;
  /**
   * `true` when every entry lives in this process's memory and no other process writes them (memory; fs, whose
   * data folder is locked): an index derived from the stored records can then be kept in memory instead of being
   * stored beside them (a caller's task listing, `domain/task-owner-local.ts`).
   */
  readonly local?: boolean;
  /** Current health; absent on backends that cannot fail apart from their process (memory). */
  health?(): StoreHealth;
  /**
   * How much data the store holds against the limit set for it; only on backends that hold every entry in the
   * gateway's own memory and keep it across restarts (fs), where outgrowing memory crashes the process and its
   * restart has to load the same data again.
   */
  usage?(): StoreUsage;
  /** Closes connections and timers. The store is unusable afterwards. */
  dispose(): Promise<void>;
}

/** A typed factory, the shape every backend file exports. */
export type SessionStoreFactory<Options, Store extends SessionStore = SessionStore> = (
  options: Options,
) => Store;

/**
 * Segments of `[A-Za-z0-9._-]` joined by `:`, none of them `.` or `..` (the lookahead at each segment's start). One
 * regex, no split: it runs on every store operation, several times per API call.
 */
const KEY_PATTERN = /^(?!\.\.?(?::|$))[A-Za-z0-9._-]+(?::(?!\.\.?(?::|$))[A-Za-z0-9._-]+)*$/;

/** Throws when a key is not one the contract allows; backends call it before touching their medium. */
export function assertKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new Error(`[gateway] [store] invalid key ${JSON.stringify(key)}`);
  }
}
