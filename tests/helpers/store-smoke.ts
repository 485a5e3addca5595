/**
 * Runs a few operations through `createStoresFromEnv` and prints the results as one JSON line. Spawned under Bun,
 * Deno and Node by tests/session-stores/store-from-env.test.ts to prove the wiring runs on all three.
 */
import process from "node:process";
import { createStoresFromEnv } from "../../runtimes/shared/store-from-env.ts";

const { store, blobs } = await createStoresFromEnv(process.env);
await store.set("smoke:value", { ok: true }, { ttl: 60 });
const added = [await store.add("smoke:once", 1), await store.add("smoke:once", 2)];
const counted = await Promise.all([1, 2, 3].map(() => store.increment("smoke:seq")));
await blobs.put("smoke:blob", Uint8Array.of(1, 2, 255));
const result = {
  name: store.name,
  value: await store.get("smoke:value"),
  added,
  counted: counted.sort(),
  keys: await store.keys("smoke:"),
  blob: Array.from((await blobs.get("smoke:blob")) ?? []),
  /** The fs store's default limit in this runtime (runtimes/shared/fs-stores.ts); the others have none. */
  maxLiveBytes: store.usage?.().maxLiveBytes ?? null,
};
await blobs.dispose();
await store.dispose();
console.log(JSON.stringify(result));
