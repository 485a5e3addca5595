/** Identifiers. Time-ordered ids sort by creation, so store listings come out in arrival order. */
import { randomHex } from "./crypto.ts";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
let lastTime = 0;
let counter = 0;
/** The 10 time characters of `lastTime`: ids come many per millisecond under load, so they are encoded once. */
let lastTimeText = "";
/**
 * Random bytes drawn from the CSPRNG 4 KiB at a time and handed out 12 per id: one `getRandomValues` call per id
 * was a visible share of a durable task's CPU on Node (a system call per 12 bytes).
 */
const pool = new Uint8Array(4096);
let poolAt = pool.length;

/**
 * A 26-character, lowercase, time-ordered id (ULID layout: 10 chars of milliseconds, 16 of randomness).
 * Ids made in the same millisecond by this process still sort in creation order.
 */
export function timeOrderedId(): string {
  const now = Date.now();
  if (now <= lastTime) {
    counter++;
  } else {
    lastTime = now;
    counter = 0;
    lastTimeText = "";
    for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32))
      lastTimeText = CROCKFORD[t % 32] + lastTimeText;
  }
  const c = counter;
  const seq =
    CROCKFORD[(c >>> 15) & 31]! +
    CROCKFORD[(c >>> 10) & 31]! +
    CROCKFORD[(c >>> 5) & 31]! +
    CROCKFORD[c & 31]!;
  if (poolAt + 12 > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  let tail = "";
  for (let i = poolAt; i < poolAt + 12; i++) tail += CROCKFORD[pool[i]! % 32];
  poolAt += 12;
  return lastTimeText + seq + tail;
}

/** An opaque random id with a readable prefix, e.g. `ag_3f9c…`. */
export function prefixedId(prefix: string, bytes = 8): string {
  return `${prefix}_${randomHex(bytes)}`;
}

/** When a `timeOrderedId` was made (ms since the epoch), from its 10 time characters; NaN if they are not ones. */
export function timeOfOrderedId(id: string): number {
  let time = 0;
  for (let i = 0; i < 10; i++) {
    const digit = CROCKFORD.indexOf(id[i] ?? "");
    if (digit === -1) return Number.NaN;
    time = time * 32 + digit;
  }
  return time;
}
