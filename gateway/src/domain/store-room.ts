/**
 * Room for new work in a store that holds all its data in the gateway's memory (fs). Past the store's limit the
 * gateway refuses new tasks and inbox messages, before anything is acknowledged, rather than growing until the
 * process runs out of memory (and its restart has to load the same data into memory again). Everything else goes
 * on (reads, task updates, cancels, acknowledgements), so the queued work can finish, and finished tasks expire,
 * which makes room again.
 */
import { errors } from "../errors.ts";
import type { SessionStore } from "../session-stores/types.ts";

/** Throws 507 `store_full` when `store` is at its limit; a store without one (redis, memory…) always has room. */
export function assertStoreRoom(store: SessionStore): void {
  const usage = store.usage?.();
  if (usage?.maxLiveBytes != null && usage.liveBytes >= usage.maxLiveBytes) {
    throw errors.storeFull(usage.maxLiveBytes);
  }
}
