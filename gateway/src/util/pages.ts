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
 * Up to `limit` items from `keys` (in listing order), read `PAGE_BATCH` keys at a time by `read` (which drops
 * what the page must not show), stopping as soon as one more than `limit` proves there is a next page.
 */
export async function fillPage<T>(
  keys: Iterable<string> | AsyncIterable<string>,
  limit: number,
  read: (batch: string[]) => Promise<T[]>,
): Promise<{ items: T[]; more: boolean }> {
  const found: T[] = [];
  let batch: string[] = [];
  for await (const key of keys) {
    batch.push(key);
    if (batch.length < PAGE_BATCH) continue;
    found.push(...(await read(batch)));
    batch = [];
    if (found.length > limit) break;
  }
  if (batch.length > 0 && found.length <= limit) found.push(...(await read(batch)));
  return { items: found.slice(0, limit), more: found.length > limit };
}

/** The index of the first of ascending `sorted` that is greater than `after`. */
export function firstAfter(sorted: string[], after: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= after) low = mid + 1;
    else high = mid;
  }
  return low;
}
