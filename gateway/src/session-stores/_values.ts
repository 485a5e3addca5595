/**
 * Value, TTL and prefix rules shared by every session-store backend, so all of them accept and reject the same input.
 * @module
 */
import { StoreError } from "./_errors.ts";
import { assertKey, KEY_RANGE_MAX, type KeyRange, type SetOptions } from "./types.ts";

const PREFIX_PATTERN = /^[A-Za-z0-9._:-]*$/;

/** Serialises a value to JSON text; `undefined`, functions and symbols have no JSON form and are rejected. */
export function encodeValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new StoreError("invalid_value", `cannot store ${typeof value}: values must be JSON-serialisable`);
  }
  return text;
}

/** Parses JSON text written by `encodeValue`. */
export function decodeValue<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Milliseconds of the TTL in `options`, or `null` without one. Rejects zero, negative and non-finite TTLs. */
export function ttlMilliseconds(options: SetOptions | undefined): number | null {
  const ttl = options?.ttl;
  if (ttl === undefined) return null;
  if (!Number.isFinite(ttl) || ttl <= 0) {
    throw new StoreError("invalid_ttl", `ttl must be a positive number of seconds, got ${ttl}`);
  }
  return Math.ceil(ttl * 1000);
}

/** The absolute expiry (epoch ms) for `options`, or `null` when the key never expires. */
export function expiryFor(options: SetOptions | undefined, now: number = Date.now()): number | null {
  const ms = ttlMilliseconds(options);
  return ms === null ? null : now + ms;
}

/** Whether an entry with this expiry is still alive at `now`. */
export function isLive(expiresAt: number | null | undefined, now: number = Date.now()): boolean {
  return expiresAt === null || expiresAt === undefined || expiresAt > now;
}

/** Throws unless `prefix` is a (possibly partial, possibly empty) key: it is used verbatim in Redis SCAN patterns. */
export function assertPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new StoreError("invalid_prefix", `invalid key prefix ${JSON.stringify(prefix)}`);
  }
}

/** Throws unless `prefix` and `range` are what `keyRange` takes. */
export function assertKeyRange(prefix: string, range: KeyRange): void {
  assertPrefix(prefix);
  if (range.from !== null) assertKey(range.from);
  if (!Number.isInteger(range.limit) || range.limit < 1 || range.limit > KEY_RANGE_MAX) {
    throw new StoreError(
      "invalid_range",
      `limit must be an integer from 1 to ${KEY_RANGE_MAX}, got ${range.limit}`,
    );
  }
  if (range.direction !== "up" && range.direction !== "down") {
    throw new StoreError("invalid_range", `direction must be up or down, got ${String(range.direction)}`);
  }
}

/** Throws unless `by` is a safe integer, the only step Redis INCRBY accepts. */
export function assertIncrementStep(by: number): void {
  if (!Number.isSafeInteger(by)) {
    throw new StoreError("invalid_increment", `increment step must be an integer, got ${by}`);
  }
}

/** The counter value stored under `key`; counters are integers, anything else is a caller bug. */
export function counterValue(key: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new StoreError("not_an_integer", `cannot increment ${key}: it holds ${JSON.stringify(value)}`);
  }
  return value;
}
