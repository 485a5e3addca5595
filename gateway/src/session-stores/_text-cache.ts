/**
 * A bounded least-recently-used cache of JSON texts by key, used by the fs session store to answer `get` without
 * touching the disk. It holds text rather than parsed values so every read parses a fresh copy: callers mutate what
 * `get` returns and `set` it back, and must never reach into the cache. (Parsing the text measured cheaper than
 * `structuredClone` of a parsed value, and a write already has the text in hand.)
 * @module
 */

export interface TextCacheLimits {
  /** Most entries kept; 0 disables the cache. */
  maxEntries: number;
  /** Most characters kept across all entries; a longer single text is not cached at all. */
  maxChars: number;
}

export interface TextCache {
  /** The text of `key`, marking it most recently used; `undefined` when not cached. */
  get(key: string): string | undefined;
  /** Caches `text` under `key`, evicting the least recently used entries beyond the limits. */
  set(key: string, text: string): void;
  delete(key: string): void;
  clear(): void;
}

/**
 * @example
 * const cache = createTextCache({ maxEntries: 10_000, maxChars: 16 * 1024 * 1024 });
 * cache.set("task:a1:01J", '{"status":"submitted"}');
 */
export function createTextCache(limits: TextCacheLimits): TextCache {
  // A Map iterates in insertion order, so re-inserting on use keeps the least recently used entry first.
  const texts = new Map<string, string>();
  let chars = 0;

  const remove = (key: string): void => {
    const text = texts.get(key);
    if (text === undefined) return;
    texts.delete(key);
    chars -= text.length;
  };

  return {
    get(key) {
      const text = texts.get(key);
      if (text !== undefined) {
        texts.delete(key);
        texts.set(key, text);
      }
      return text;
    },
    set(key, text) {
      remove(key);
      if (limits.maxEntries <= 0 || text.length > limits.maxChars) return;
      texts.set(key, text);
      chars += text.length;
      while (texts.size > limits.maxEntries || chars > limits.maxChars) {
        remove(texts.keys().next().value!);
      }
    },
    delete: remove,
    clear() {
      texts.clear();
      chars = 0;
    },
  };
}
