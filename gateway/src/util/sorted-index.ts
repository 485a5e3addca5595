/**
 * What the indexes on sorted sets share (domain/agent-directory.ts, inbox-index.ts, task-owner-index.ts,
 * task-backlog.ts, auth/tokens.ts): stores whose `keys` is a scan of the whole database (redis, upstash) keep a
 * sorted set per listing, read a chunk at a time, and fill it once per deployment for data from before it.
 * @module
 */
import type { SessionStore, SortedSets } from "../session-stores/types.ts";
import { timeOfOrderedId } from "./ids.ts";

/**
 * Whether an index entry that leads to no record may be dropped: an entry is added before its record is written,
 * so one younger than a minute (by the time-ordered id it starts with) may have its record still on the way.
 */
export const danglingLongEnough = (entry: string, now: number): boolean =>
  !(now - timeOfOrderedId(entry) < 60_000);

/**
 * The members of a one-score sorted set after `from` (`up`: ascending) or before it (`down`), `chunk` at a time as
 * the caller reads on: a listing of 100,000 members that stops after a page fetches one or two chunks.
 */
export async function* membersOf(
  sets: SortedSets,
  key: string,
  options: { from?: string; chunk: number; direction: "up" | "down" },
): AsyncGenerator<string> {
  let from = options.from ?? null;
  for (;;) {
    const members =
      options.direction === "up"
        ? await sets.rangeAfter(key, from, options.chunk)
        : await sets.rangeBefore(key, from, options.chunk);
    yield* members;
    if (members.length < options.chunk) return;
    from = members[members.length - 1]!;
  }
}

/** A once-per-deployment pass that indexes what older versions stored: its marker, and the prefix of the keys it reads. */
export interface IndexPass {
  marker: string;
  reads: string;
}

/**
 * `pass` once per deployment: the first call in a process runs it unless the store holds `marker`, then writes the
 * marker, so no process runs it again. A pass that fails (the store briefly unreachable) runs again on the next call.
 */
export function oncePerDeployment(
  store: SessionStore,
  marker: string,
  pass: () => Promise<void>,
): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => {
    done ??= (async () => {
      if ((await store.get(marker)) !== null) return;
      await pass();
      await store.set(marker, new Date().toISOString());
    })().catch((error) => {
      done = null;
      throw error;
    });
    return done;
  };
}

/** Runs `index` over `keys` in batches of 256: the writes of a batch share the store's syncs and round trips. */
export async function inBatches(keys: string[], index: (key: string) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < keys.length; i += 256) await Promise.all(keys.slice(i, i + 256).map(index));
}
