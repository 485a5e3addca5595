/**
 * `GatewayStoreObject`: the Durable Object behind `cloudflareSessionStore` (gateway/src/session-stores/cloudflare.ts).
 * One instance holds the whole store. A Durable Object handles one event at a time and its input gates hold other
 * events while a storage call is in flight, so each method below (read, then write) is atomic without locks.
 * Expired entries are treated as absent everywhere and purged lazily: on access, and by a sweep at most once a minute.
 *
 * Values live in the object's key-value storage; every key and its expiry also live in a small SQLite table beside
 * them (`entry_keys`; the object is SQLite-backed), which is what listing a prefix and the sweep read.
 * `storage.list()` hands back values too: the sweep used to list the whole store and a listing its whole prefix,
 * holding every value they covered in the object's memory at once (128 MB on Workers, and a value may hold 2 MB),
 * so a few dozen long task results, or one agent's many finished tasks, could push the object over its limit.
 */
import { DurableObject } from "cloudflare:workers";
import { assertKeyRange } from "../../gateway/src/session-stores/_values.ts";
import type { GatewayStoreRpc } from "../../gateway/src/session-stores/cloudflare.ts";
import { assertKey, type KeyRange } from "../../gateway/src/session-stores/types.ts";

interface StoredEntry {
  /** The value as JSON text (its first part, when `parts` is set). */
  json: string;
  /** Epoch ms after which the entry is gone; `null` for never. */
  expiresAt: number | null;
  /** How many more parts of the JSON text there are, at `partKey(key, 1…parts)` (a long value). */
  parts?: number;
}

/**
 * JSON text per storage entry. A SQLite-backed object's entry holds 2 MB, and a string is stored with up to two
 * bytes a character: a longer value (a task whose result is near the 4 MB frame limit) is split over several
 * entries, all written in one event. Stored whole, it was refused (SQLITE_TOOBIG) and the task never ended.
 */
const PART_CHARS = 512 * 1024;
/** A part's storage key: `~` never appears in a store key (`assertKey`), so no part meets one, nor a listing. */
const partKey = (key: string, part: number) => `${key}~${part}`;
const partKeys = (key: string, from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => partKey(key, from + i));

const SWEEP_INTERVAL_MS = 60_000;
/** The most keys one storage `get` or `delete` takes. */
const STORAGE_BATCH = 128;
/**
 * Entries read per page when a store written before `entry_keys` existed is indexed: values are read too, and one
 * can be up to 2 MB (a long task's result), so pages stay small.
 */
const INDEXING_PAGE = 16;
/** Above every character a key may hold (`[A-Za-z0-9._:-]`): `prefix + KEY_END` bounds a prefix's range. */
const KEY_END = "~";

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS entry_keys (key TEXT PRIMARY KEY, expires_at INTEGER, parts INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID",
  "CREATE INDEX IF NOT EXISTS entry_keys_by_expiry ON entry_keys (expires_at) WHERE expires_at IS NOT NULL",
  // One row, 'keys_indexed', once every entry stored before the table existed has its row.
  "CREATE TABLE IF NOT EXISTS store_meta (name TEXT PRIMARY KEY, value TEXT)",
];

const isLive = (entry: StoredEntry | undefined, now = Date.now()): entry is StoredEntry =>
  entry !== undefined && (entry.expiresAt === null || entry.expiresAt > now);

export class GatewayStoreObject extends DurableObject implements GatewayStoreRpc {
  #nextSweep = 0;
  /** Settles once `entry_keys` holds every key; the input gate holds events until then (`blockConcurrencyWhile`). */
  readonly #indexed: Promise<void>;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    for (const statement of SCHEMA) ctx.storage.sql.exec(statement);
    this.#indexed = ctx.blockConcurrencyWhile(() => this.#indexEarlierEntries());
  }

  async get(key: string): Promise<string | null> {
    return (await this.#readLive(key))?.json ?? null;
  }

  /**
   * One storage call per 128 keys (the most `get` takes at once), not one per key: a listing reads a page of 1,000
   * agents here, and their presence, as one RPC each.
   */
  async getMany(keys: string[]): Promise<(string | null)[]> {
    for (const key of keys) assertKey(key);
    const now = Date.now();
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += STORAGE_BATCH) chunks.push(keys.slice(i, i + STORAGE_BATCH));
    const found = new Map<string, StoredEntry>();
    for (const entries of await Promise.all(
      chunks.map((chunk) => this.ctx.storage.get<StoredEntry>(chunk)),
    )) {
      for (const [key, entry] of entries) found.set(key, entry);
    }
    const expired = [...found].filter(([, entry]) => !isLive(entry, now)).map(([key]) => key);
    await this.#deleteAll(expired);
    return Promise.all(
      keys.map((key) => {
        const entry = found.get(key);
        return isLive(entry, now) ? this.#wholeJson(key, entry) : null;
      }),
    );
  }

  async set(key: string, json: string, ttlMs: number | null): Promise<void> {
    await this.#write(key, json, ttlMs === null ? null : Date.now() + ttlMs);
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    await this.#deleteAll([key]);
  }

  async add(key: string, json: string, ttlMs: number | null): Promise<boolean> {
    if (await this.#readLive(key)) return false;
    await this.#write(key, json, ttlMs === null ? null : Date.now() + ttlMs);
    return true;
  }

  async take(key: string): Promise<string | null> {
    const entry = await this.#readLive(key);
    if (!entry) return null;
    await this.#deleteAll([key]);
    return entry.json;
  }

  /** `json` null: deletes the key (a conditional delete). */
  async compareAndSet(
    key: string,
    expected: string | null,
    json: string | null,
    ttlMs: number | null,
  ): Promise<boolean> {
    if (((await this.#readLive(key))?.json ?? null) !== expected) return false;
    if (json === null) await this.delete(key);
    else await this.#write(key, json, ttlMs === null ? null : Date.now() + ttlMs);
    return true;
  }

  /** The new value, or `null` when the key holds something other than an integer (the client reports it). */
  async increment(key: string, by: number): Promise<number | null> {
    const entry = await this.#readLive(key);
    const current = entry ? (JSON.parse(entry.json) as unknown) : 0;
    if (typeof current !== "number" || !Number.isSafeInteger(current)) return null;
    const next = current + by;
    // Like Redis INCRBY, a live key keeps its TTL.
    await this.#write(key, String(next), entry?.expiresAt ?? null);
    return next;
  }

  async keys(prefix: string): Promise<string[]> {
    await this.#indexed;
    const rows = this.ctx.storage.sql.exec<{ key: string }>(
      "SELECT key FROM entry_keys WHERE key >= ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key",
      prefix,
      prefix + KEY_END,
      Date.now(),
    );
    return rows.toArray().map((row) => row.key);
  }

  /** From the key table's primary key: a page reads its own rows, whatever the prefix holds. */
  async keyRange(prefix: string, range: KeyRange): Promise<string[]> {
    assertKeyRange(prefix, range);
    await this.#indexed;
    const end = prefix + KEY_END;
    const { from, limit } = range;
    const rows =
      range.direction === "up"
        ? this.ctx.storage.sql.exec<{ key: string }>(
            "SELECT key FROM entry_keys WHERE key >= ? AND key > ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?",
            prefix,
            from ?? "",
            end,
            Date.now(),
            limit,
          )
        : this.ctx.storage.sql.exec<{ key: string }>(
            "SELECT key FROM entry_keys WHERE key >= ? AND key < ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key DESC LIMIT ?",
            prefix,
            end,
            from ?? end,
            Date.now(),
            limit,
          );
    return rows.toArray().map((row) => row.key);
  }

  async #readLive(key: string): Promise<StoredEntry | null> {
    assertKey(key);
    const entry = await this.ctx.storage.get<StoredEntry>(key);
    if (entry === undefined) return null;
    if (isLive(entry)) return entry.parts ? { ...entry, json: await this.#wholeJson(key, entry) } : entry;
    await this.#deleteAll([key]);
    return null;
  }

  async #wholeJson(key: string, entry: StoredEntry): Promise<string> {
    if (!entry.parts) return entry.json;
    const keys = partKeys(key, 1, entry.parts);
    let json = entry.json;
    for (let i = 0; i < keys.length; i += STORAGE_BATCH) {
      const batch = keys.slice(i, i + STORAGE_BATCH);
      const parts = await this.ctx.storage.get<string>(batch);
      for (const part of batch) json += parts.get(part) ?? "";
    }
    return json;
  }

  async #write(key: string, json: string, expiresAt: number | null): Promise<void> {
    assertKey(key);
    await this.#indexed;
    const pieces: string[] = [];
    for (let at = 0; at === 0 || at < json.length; at += PART_CHARS)
      pieces.push(json.slice(at, at + PART_CHARS));
    const parts = pieces.length - 1;
    const stale = partKeys(key, parts + 1, this.#partsOf(key));
    // The row, the value and its parts are written in the same event, so they are committed together.
    this.#keepKey(key, expiresAt, parts);
    const entry: StoredEntry = parts > 0 ? { json: pieces[0]!, expiresAt, parts } : { json, expiresAt };
    const entries: Array<[string, StoredEntry | string]> = [[key, entry]];
    for (let part = 1; part <= parts; part++) entries.push([partKey(key, part), pieces[part]!]);
    for (let i = 0; i < entries.length; i += STORAGE_BATCH)
      await this.ctx.storage.put(Object.fromEntries(entries.slice(i, i + STORAGE_BATCH)));
    await this.#deleteStorage(stale);
    await this.#sweepWhenDue();
  }

  #keepKey(key: string, expiresAt: number | null, parts: number): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO entry_keys (key, expires_at, parts) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, parts = excluded.parts",
      key,
      expiresAt,
      parts,
    );
  }

  #partsOf(key: string): number {
    const [row] = this.ctx.storage.sql
      .exec<{ parts: number }>("SELECT parts FROM entry_keys WHERE key = ?", key)
      .toArray();
    return row?.parts ?? 0;
  }

  /** Deletes what expired, found by its row: no value is read. */
  async #sweepWhenDue(): Promise<void> {
    const now = Date.now();
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_INTERVAL_MS;
    const expired = this.ctx.storage.sql
      .exec<{ key: string }>("SELECT key FROM entry_keys WHERE expires_at <= ?", now)
      .toArray()
      .map((row) => row.key);
    await this.#deleteAll(expired);
  }

  /** Deletes entries, their parts and their rows. */
  async #deleteAll(keys: string[]): Promise<void> {
    const stored: string[] = [];
    for (const key of keys) {
      const [row] = this.ctx.storage.sql
        .exec<{ parts: number }>("DELETE FROM entry_keys WHERE key = ? RETURNING parts", key)
        .toArray();
      stored.push(key, ...partKeys(key, 1, row?.parts ?? 0));
    }
    await this.#deleteStorage(stored);
  }

  async #deleteStorage(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += STORAGE_BATCH)
      await this.ctx.storage.delete(keys.slice(i, i + STORAGE_BATCH));
  }

  /**
   * A store written before `entry_keys` existed: gives every entry its row, a page at a time, once. Runs before
   * the object takes any event, so nothing writes meanwhile.
   */
  async #indexEarlierEntries(): Promise<void> {
    const sql = this.ctx.storage.sql;
    if (sql.exec("SELECT value FROM store_meta WHERE name = 'keys_indexed'").toArray().length > 0) return;
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.ctx.storage.list<StoredEntry>(
        startAfter === undefined ? { limit: INDEXING_PAGE } : { startAfter, limit: INDEXING_PAGE },
      );
      for (const [key, entry] of page) this.#keepKey(key, entry.expiresAt, 0);
      if (page.size < INDEXING_PAGE) break;
      startAfter = [...page.keys()].at(-1);
    }
    sql.exec("INSERT INTO store_meta (name, value) VALUES ('keys_indexed', '1')");
  }
}
