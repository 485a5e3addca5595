/**
 * Runs a few operations through `createStoresFromEnv` and prints the results as one JSON line. Spawned under Bun,
 * Deno and Node by tests/session-stores/store-from-env.test.ts to prove the wiring runs on all three.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
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
  journalWrittenThrough: journalWrittenThrough(),
};
await blobs.dispose();
await store.dispose();
console.log(JSON.stringify(result));

/**
 * Whether the fs store's journal is open with `O_DSYNC`, as the kernel reports it (Linux's /proc); null with no
 * journal open or no /proc to ask.
 */
function journalWrittenThrough(): boolean | null {
  const O_DSYNC = 0o10000;
  let fds: string[];
  try {
    fds = readdirSync("/proc/self/fd");
  } catch {
    return null;
  }
  for (const fd of fds) {
    try {
      if (!readlinkSync(`/proc/self/fd/${fd}`).endsWith("/journal.ndjson")) continue;
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
      if (flags !== undefined) return (Number.parseInt(flags, 8) & O_DSYNC) !== 0;
    } catch {
      // an fd that closed meanwhile (the directory listing's own)
    }
  }
  return null;
}
