/**
 * Paged listings (`GET /v1/agents`, `/v1/tokens`, `/v1/tasks`): the `limit` and `cursor` a caller may pass, and
 * filling one page from keys in order while reading only as many records as the page needs.
 */
import type { Context } from "hono";
import { errors } from "../errors.ts";

/** `limit` (an integer from 1 to `max`, `fallback` when absent) and `cursor` (matching `cursor`), or a 400. */
export function pageQuery(
  c: Context,
  options: { fallback: number; max: number; cursor?: RegExp },
): { limit: number; cursor: string | undefined } {
  const limit = Number(c.req.query("limit") ?? options.fallback);
  if (!Number.isInteger(limit) || limit < 1 || limit > options.max) {
    throw errors.invalidRequest(`limit must be an integer from 1 to ${options.max}.`);
  }
  const cursor = c.req.query("cursor");
  if (cursor !== undefined && options.cursor && !options.cursor.test(cursor)) {
    throw errors.invalidRequest("cursor must be the next_cursor of an earlier page.");
  }
  return { limit, cursor };
}

/** Keys read at once while a page is filled. */
const PAGE_BATCH = 64;

/**
 * Keys one page reads at most, whatever its filters. A filter that matches little (a search through 100,000
 * agents) would otherwise read the whole listing in one request, and on the fs and memory stores, whose reads
 * resolve at once, do so without letting the event loop relay anything meanwhile. Past this, the page ends early,
 * perhaps empty, with a cursor after the last key read; the caller asks for the next one.
 */
export const PAGE_READS_MAX = 2000;

/**
 * Up to `limit` items from `keys` (in listing order), read `PAGE_BATCH` keys at a time by `read` (which answers an
 * item or null, for a key whose record the page must not show, in the batch's order), stopping as soon as one more
 * than `limit` proves there is a next page, or once `PAGE_READS_MAX` keys are read. `next` is the key the next
 * page starts after: that of the page's last item, or the last key read when the reads ran out first; null at the
 * end of `keys`.
 */
export async function fillPage<T>(
  keys: Iterable<string> | AsyncIterable<string>,
  limit: number,
  read: (batch: string[]) => Promise<(T | null)[]>,
): Promise<{ items: T[]; next: string | null }> {
  const found: { key: string; item: T }[] = [];
  let batch: string[] = [];
  let reads = 0;
  let lastRead: string | null = null;
  const take = async () => {
    const items = await read(batch);
    batch.forEach((key, i) => {
      const item = items[i];
      if (item !== null && item !== undefined) found.push({ key, item });
    });
    reads += batch.length;
    lastRead = batch[batch.length - 1]!;
    batch = [];
  };
  let readsRanOut = false;
  for await (const key of keys) {
    if (reads + batch.length === PAGE_READS_MAX) {
      readsRanOut = true;
      break;
    }
    batch.push(key);
    if (batch.length < PAGE_BATCH) continue;
    await take();
    if (found.length > limit) break;
  }
  if (batch.length > 0 && found.length <= limit) await take();
  const items = found.slice(0, limit).map(({ item }) => item);
  if (found.length > limit) return { items, next: found[limit - 1]!.key };
  return { items, next: readsRanOut ? lastRead : null };
}

/**
 * The index of the first item of `sorted` that passes `reached`, a test that fails for a prefix of the list and
 * passes after it (a binary search; `sorted.length` when none passes).
 */
export function firstWhere(sorted: readonly string[], reached: (item: string) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (reached(sorted[mid]!)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** The index of the first of ascending `sorted` that is greater than `after`. */
export function firstAfter(sorted: readonly string[], after: string): number {
  return firstWhere(sorted, (item) => item > after);
}
