/**
 * Health for a store on a local disk (fs): once a write fails because the disk is full or read-only, the store
 * refuses further writes (`store_read_only`) and keeps serving reads from memory; this wrapper notices the first such
 * failure, logs it once, and reports `read_only` to `/health` so a load balancer can take the node out.
 * @module
 */
import { storeRefusal } from "../errors.ts";
import type { SessionStore, StoreHealth } from "./types.ts";

export function withWriteHealth(
  store: SessionStore,
  log = (line: string) => console.warn(line),
): SessionStore {
  let health: StoreHealth = { state: "up" };
  const notice = (error: unknown): never => {
    if (health.state === "up" && storeRefusal(error)?.code === "store_read_only") {
      const cause = error instanceof Error ? error.message : String(error);
      health = { state: "read_only", since: new Date().toISOString(), message: cause };
      log(`[gateway] [store] the ${store.name} store stopped taking writes: ${cause}`);
    }
    throw error;
  };
  // A plain `then` rather than an async wrapper: every durable task passes here three times, and an extra async
  // frame per store write was a measurable share of its CPU.
  const watch =
    <A extends unknown[], R>(operation: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      try {
        return operation(...args).then(undefined, notice);
      } catch (error) {
        return Promise.reject(error).then(undefined, notice);
      }
    };
  return {
    ...store,
    set: watch(store.set),
    add: watch(store.add),
    delete: watch(store.delete),
    take: watch(store.take) as SessionStore["take"],
    increment: watch(store.increment),
    update: watch(store.update) as SessionStore["update"],
    health: () => health,
  };
}
