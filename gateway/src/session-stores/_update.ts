/**
 * `update` (read-modify-write without lost updates) for every backend. Stores that hold their data in this process
 * (memory, fs) read, decide and write in one synchronous step (`decideUpdate`) and never conflict. Stores whose
 * medium is elsewhere (redis, upstash, cloudflare) read the key's JSON text, let the step decide, then write only if
 * the key still holds exactly that text (a Lua script in Redis, one Durable Object call on Cloudflare), and start
 * over on a conflict (`updateByCompareAndSet`).
 *
 * Comparing the whole text rather than a version field keeps the contract free of any field inside the values:
 * a writer that uses plain `set` on the same key is noticed too.
 * @module
 */
import { StoreError } from "./_errors.ts";
import { decodeValue, encodeValue, ttlMilliseconds } from "./_values.ts";
import type { UpdateResult, UpdateStep } from "./types.ts";

export interface UpdateDecision<T> {
  result: UpdateResult<T>;
  /** What to write (JSON text, TTL in ms or none; text null: delete the key), or null to leave the key as it is. */
  write: { text: string | null; ttlMs: number | null } | null;
}

/** Runs `step` on the current JSON text (null: absent) and says what to write. */
export function decideUpdate<T>(
  current: string | null,
  step: (current: T | null) => UpdateStep<T>,
): UpdateDecision<T> {
  const decided = step(current === null ? null : decodeValue<T>(current));
  if (decided === undefined) {
    // Decoded again: the step may have changed its copy before deciding to write nothing.
    return {
      result: { value: current === null ? null : decodeValue<T>(current), changed: false },
      write: null,
    };
  }
  if ("delete" in decided) {
    // Deleting an absent key changes nothing.
    return current === null
      ? { result: { value: null, changed: false }, write: null }
      : { result: { value: null, changed: true }, write: { text: null, ttlMs: null } };
  }
  const text = encodeValue(decided.value);
  return {
    result: { value: decodeValue<T>(text), changed: true },
    write: { text, ttlMs: ttlMilliseconds(decided) },
  };
}

export interface CompareAndSetMedium {
  /** The key's current JSON text; null when it is absent (or expired). */
  read(key: string): Promise<string | null>;
  /**
   * Writes `text` (with its TTL, or none; null: deletes the key) only while the key holds `expected` (null: absent);
   * true when written.
   */
  swap(key: string, expected: string | null, text: string | null, ttlMs: number | null): Promise<boolean>;
}

/** Conflicts in a row before `update` gives up: each one means another writer got through, so this is generous. */
const MAX_ATTEMPTS = 100;

export async function updateByCompareAndSet<T>(
  medium: CompareAndSetMedium,
  key: string,
  step: (current: T | null) => UpdateStep<T>,
): Promise<UpdateResult<T>> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const expected = await medium.read(key);
    const { result, write } = decideUpdate(expected, step);
    if (write === null || (await medium.swap(key, expected, write.text, write.ttlMs))) return result;
    // Lost to another writer: read again. After a few losses in a row, step aside for a moment (random, so two
    // writers that keep colliding drift apart).
    if (attempt >= 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt));
  }
  throw new StoreError(
    "update_conflict",
    `gave up updating ${key} after ${MAX_ATTEMPTS} attempts: other writers changed it every time`,
  );
}
