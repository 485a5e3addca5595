/**
 * The keys under a prefix, read as a listing goes: a chunk at a time from a store that answers key ranges (memory,
 * fs, cloudflare), so a page of the admin's agent list reads a chunk of names, not one per agent of the deployment
 * (on cloudflare, each sent over RPC). A store without them is asked once.
 * @module
 */
import { KEY_RANGE_MAX, type SessionStore } from "../session-stores/types.ts";
import { firstAfter } from "./pages.ts";

/**
 * What follows `prefix` in each key under it, after `from` (`up`: ascending) or before it (`down`), in byte order.
 * `from` is such a remainder too. The first read asks for `chunk` keys and each next one for twice as many: a page
 * costs one small read, and a walk through a long listing (an inbox fetch passing thousands of leased messages) a
 * few reads, not one per chunk.
 */
export async function* keysUnder(
  store: SessionStore,
  prefix: string,
  options: { from?: string; chunk: number; direction: "up" | "down" },
): AsyncGenerator<string> {
  const { direction } = options;
  let chunk = options.chunk;
  if (!store.keyRange) {
    const keys = await store.keys(prefix);
    const bound = options.from === undefined ? undefined : prefix + options.from;
    if (direction === "up") {
      for (let i = bound === undefined ? 0 : firstAfter(keys, bound); i < keys.length; i++)
        yield keys[i]!.slice(prefix.length);
    } else {
      for (let i = keys.length - 1; i >= 0; i--)
        if (bound === undefined || keys[i]! < bound) yield keys[i]!.slice(prefix.length);
    }
    return;
  }
  let from = options.from === undefined ? null : prefix + options.from;
  for (;;) {
    const keys = await store.keyRange(prefix, { from, limit: chunk, direction });
    for (const key of keys) yield key.slice(prefix.length);
    if (keys.length < chunk) return;
    from = keys[keys.length - 1]!;
    chunk = Math.min(chunk * 2, KEY_RANGE_MAX);
  }
}
