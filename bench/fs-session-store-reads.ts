/**
 * The durable-task access pattern on the fs session store: 32 concurrent workers; each task is created (`set`),
 * read three times and written once more (`get` ×3, then `set`), on a store that already holds `keys` task
 * records. Reports tasks/s and the mean `get` latency, so the read path's cost shows apart from the write rate.
 * A measurement, not a test.
 *
 *   npx tsx bench/fs-session-store-reads.ts [keys=20000] [tasks=20000] [workers=32]
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsSessionStore } from "../gateway/src/session-stores/fs.ts";

const keys = Number(process.argv[2] ?? 20_000);
const tasks = Number(process.argv[3] ?? 20_000);
const workers = Number(process.argv[4] ?? 32);
const keyOf = (i: number) =>
  `task:ag_${(i % 1000).toString(16).padStart(16, "0")}:${i.toString(36).padStart(8, "0")}`;
const record = (i: number) => ({
  id: keyOf(i),
  agent_name: "queue",
  owner: "usr_0123456789abcdef",
  message: "summarise the logs of last night",
  status: "submitted",
  attempts: 0,
  created_at: new Date().toISOString(),
});

/** Runs `work(i)` for i in [0, count) on `workers` concurrent loops; returns seconds taken. */
async function pool(count: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) await work(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-reads-bench-"));
try {
  const seed = fsSessionStore({ dir, fs });
  await pool(keys, (i) => seed.set(keyOf(i), record(i)));
  await seed.dispose();

  // A fresh instance, as after a restart: nothing cached yet.
  const store = fsSessionStore({ dir, fs });
  await store.keys("");
  let readSeconds = 0;
  const seconds = await pool(tasks, async (n) => {
    const key = keyOf(keys + n);
    await store.set(key, record(keys + n));
    const started = performance.now();
    let task: ReturnType<typeof record> | null = null;
    for (let read = 0; read < 3; read++) task = await store.get<ReturnType<typeof record>>(key);
    readSeconds += (performance.now() - started) / 1000;
    if (task === null) throw new Error(`${key} is missing`);
    task.attempts++;
    await store.set(key, task);
  });
  console.log(`fs session store, ${keys} keys: ${tasks} tasks (set, 3 gets, set each) by ${workers} workers`);
  console.log(
    `  ${Math.round(tasks / seconds)} tasks/s; ${((readSeconds * 1e6) / (tasks * 3)).toFixed(0)} µs mean get latency`,
  );
  await store.dispose();
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
