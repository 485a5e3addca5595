/**
 * Per-key serialisation inside one process. The memory and fs stores run `add`, `take`, `increment`, `set` and
 * `delete` under it, which makes them atomic with respect to each other (both backends are single-process).
 * @module
 */

/** Runs `work` after every earlier `work` for the same key has settled. */
export type KeyLock = <T>(key: string, work: () => Promise<T>) => Promise<T>;

const ignore = (): void => {};

/**
 * @example
 * const withKey = createKeyLock();
 * await withKey("counter", async () => write(await read() + 1));
 */
export function createKeyLock(): KeyLock {
  const tails = new Map<string, Promise<void>>();
  return async (key, work) => {
    const result = (tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.then(ignore, ignore);
    tails.set(key, tail);
    try {
      return await result;
    } finally {
      // Forget the chain once nothing is queued behind us, so idle keys cost no memory.
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
