/**
 * Session store on a Cloudflare Durable Object: the client half. Every call goes to one named instance of the
 * `GatewayStoreObject` class (runtimes/cloudflare/store-object.ts) over Workers RPC. A Durable Object runs one
 * request at a time against its storage, so `add`, `take` and `increment` are atomic there, and its storage is
 * durable. Values cross the RPC boundary as JSON text so every backend has the same value semantics.
 *
 * The namespace is taken through a structural type, so the gateway core needs no Workers types.
 * @module
 */
import { StoreError } from "./_errors.ts";
import { updateByCompareAndSet } from "./_update.ts";
import {
  assertIncrementStep,
  assertKeyRange,
  assertPrefix,
  encodeValue,
  ttlMilliseconds,
} from "./_values.ts";
import {
  assertKey,
  type KeyRange,
  type SessionStore,
  type SessionStoreFactory,
  type SetOptions,
} from "./types.ts";

/** The RPC surface of `GatewayStoreObject`; values are JSON text, TTLs are milliseconds. */
export interface GatewayStoreRpc {
  get(key: string): Promise<string | null>;
  getMany(keys: string[]): Promise<(string | null)[]>;
  set(key: string, json: string, ttlMs: number | null): Promise<void>;
  delete(key: string): Promise<void>;
  add(key: string, json: string, ttlMs: number | null): Promise<boolean>;
  take(key: string): Promise<string | null>;
  /**
   * Writes `json` (null: deletes the key) only while the key holds `expected` (null: absent); true when written
   * (see `_update.ts`).
   */
  compareAndSet(
    key: string,
    expected: string | null,
    json: string | null,
    ttlMs: number | null,
  ): Promise<boolean>;
  /** `null` when the key holds something other than an integer. */
  increment(key: string, by: number): Promise<number | null>;
  keys(prefix: string): Promise<string[]>;
  /** A page of `keys(prefix)` (see `SessionStore.keyRange`). */
  keyRange(prefix: string, range: KeyRange): Promise<string[]>;
}

/** The part of a `DurableObjectNamespace` binding this store uses. */
export interface GatewayStoreNamespaceLike<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): GatewayStoreRpc;
}

export interface CloudflareSessionStoreOptions {
  /** The Durable Object binding of `GatewayStoreObject` (e.g. `env.STORE`). */
  namespace: GatewayStoreNamespaceLike;
  /** Name of the object instance; one instance holds the whole store. Default `gateway`. */
  name?: string;
}

/**
 * @example
 * const store = cloudflareSessionStore({ namespace: env.STORE });
 * await store.set("agent:a1", { online: true }, { ttl: 90 });
 */
export const cloudflareSessionStore: SessionStoreFactory<CloudflareSessionStoreOptions> = (options) => {
  if (!options?.namespace) {
    throw new StoreError(
      "missing_option",
      "cloudflareSessionStore needs `namespace`, the Durable Object binding of GatewayStoreObject",
    );
  }
  const { namespace } = options;
  const stub = namespace.get(namespace.idFromName(options.name ?? "gateway"));
  const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));

  const store: SessionStore = {
    name: "cloudflare",
    async get<T>(key: string) {
      assertKey(key);
      return parse<T>(await stub.get(key));
    },
    async getMany<T>(keys: string[]) {
      for (const key of keys) assertKey(key);
      if (keys.length === 0) return [];
      return (await stub.getMany(keys)).map((json) => parse<T>(json));
    },
    async set(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      await stub.set(key, encodeValue(value), ttlMilliseconds(setOptions));
    },
    async delete(key: string) {
      assertKey(key);
      await stub.delete(key);
    },
    async add(key: string, value: unknown, setOptions?: SetOptions) {
      assertKey(key);
      return await stub.add(key, encodeValue(value), ttlMilliseconds(setOptions));
    },
    async take<T>(key: string) {
      assertKey(key);
      return parse<T>(await stub.take(key));
    },
    async increment(key: string, by = 1) {
      assertKey(key);
      assertIncrementStep(by);
      const next = await stub.increment(key, by);
      if (next === null) {
        throw new StoreError("not_an_integer", `cannot increment ${key}: it does not hold an integer`);
      }
      return next;
    },
    async update(key, step) {
      assertKey(key);
      // The step is a function of this isolate, so it cannot run inside the object: compare-and-set instead. The
      // task runner (in each agent's object) and the Worker (a cancel) write the same task, so this matters here.
      const medium = {
        read: (k: string) => stub.get(k),
        swap: (k: string, expected: string | null, json: string | null, ttlMs: number | null) =>
          stub.compareAndSet(k, expected, json, ttlMs),
      };
      return updateByCompareAndSet(medium, key, step);
    },
    async keys(prefix: string) {
      assertPrefix(prefix);
      return await stub.keys(prefix);
    },
    // A listing's page costs the page here, not every key under its prefix sent over RPC (the admin's agent list
    // holds a name per agent of the deployment).
    async keyRange(prefix: string, range: KeyRange) {
      assertKeyRange(prefix, range);
      return await stub.keyRange(prefix, {
        from: range.from,
        limit: range.limit,
        direction: range.direction,
      });
    },
    async dispose() {
      // RPC stubs hold no connection worth closing.
    },
  };
  return store;
};
