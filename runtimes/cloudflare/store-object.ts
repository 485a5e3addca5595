/**
 * `GatewayStoreObject`: the Durable Object behind `cloudflareSessionStore` (gateway/src/session-stores/cloudflare.ts).
 * One instance holds the whole store. A Durable Object handles one event at a time and its input gates hold other
 * events while a storage call is in flight, so each method below (read, then write) is atomic without locks.
 * Expired entries are treated as absent everywhere and purged lazily: on access, and by a full sweep at most once a
 * minute.
 */
import { DurableObject } from "cloudflare:workers";
import type { GatewayStoreRpc } from "../../gateway/src/session-stores/cloudflare.ts";
import { assertKey } from "../../gateway/src/session-stores/types.ts";

interface StoredEntry {
  /** The value as JSON text. */
  json: string;
  /** Epoch ms after which the entry is gone; `null` for never. */
  expiresAt: number | null;
}

const SWEEP_INTERVAL_MS = 60_000;
/** The most keys one storage `get` or `delete` takes. */
const STORAGE_BATCH = 128;

const isLive = (entry: StoredEntry | undefined, now = Date.now()): entry is StoredEntry =>
  entry !== undefined && (entry.expiresAt === null || entry.expiresAt > now);

export class GatewayStoreObject extends DurableObject implements GatewayStoreRpc {
  #nextSweep = 0;

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
    return keys.map((key) => {
      const entry = found.get(key);
      return isLive(entry, now) ? entry.json : null;
    });
  }

  async set(key: string, json: string, ttlMs: number | null): Promise<void> {
    await this.#write(key, json, ttlMs === null ? null : Date.now() + ttlMs);
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    await this.ctx.storage.delete(key);
  }

  async add(key: string, json: string, ttlMs: number | null): Promise<boolean> {
    if (await this.#readLive(key)) return false;
    await this.#write(key, json, ttlMs === null ? null : Date.now() + ttlMs);
    return true;
  }

  async take(key: string): Promise<string | null> {
    const entry = await this.#readLive(key);
    if (!entry) return null;
    await this.ctx.storage.delete(key);
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
    const now = Date.now();
    const entries = await this.ctx.storage.list<StoredEntry>({ prefix });
    // list() is already in ascending key order.
    return [...entries].filter(([, entry]) => isLive(entry, now)).map(([key]) => key);
  }

  async #readLive(key: string): Promise<StoredEntry | null> {
    assertKey(key);
    const entry = await this.ctx.storage.get<StoredEntry>(key);
    if (entry === undefined) return null;
    if (isLive(entry)) return entry;
    await this.ctx.storage.delete(key);
    return null;
  }

  async #write(key: string, json: string, expiresAt: number | null): Promise<void> {
    assertKey(key);
    await this.ctx.storage.put(key, { json, expiresAt } satisfies StoredEntry);
    await this.#sweepWhenDue();
  }

  async #sweepWhenDue(): Promise<void> {
    const now = Date.now();
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_INTERVAL_MS;
    const expired = [...(await this.ctx.storage.list<StoredEntry>())]
      .filter(([, entry]) => !isLive(entry, now))
      .map(([key]) => key);
    await this.#deleteAll(expired);
  }

  async #deleteAll(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += STORAGE_BATCH) {
      await this.ctx.storage.delete(keys.slice(i, i + STORAGE_BATCH));
    }
  }
}
