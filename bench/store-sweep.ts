/**
 * How long the write that runs a sweep of expired keys holds the event loop, in the memory and fs stores: `keys`
 * entries with an hour's TTL (as a week of finished tasks has) and 1,000 that have expired. A measurement, not a
 * test (docs/storage.md).
 *
 *   node --expose-gc --max-old-space-size=6000 --import tsx bench/store-sweep.ts [keys=1000000]
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsSessionStore } from "../gateway/src/session-stores/fs.ts";
import { memorySessionStore } from "../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../gateway/src/session-stores/types.ts";

const total = Number(process.argv[2] ?? 1_000_000);
const SWEEP_MS = 2000;
const record = { status: "completed", result: "x".repeat(100) };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(name: string, store: SessionStore): Promise<void> {
  for (let i = 0; i < total; i += 1000) {
    await Promise.all(
      Array.from({ length: 1000 }, (_, j) =>
        store.set(`task:a${(i + j) % 1000}:${String(i + j).padStart(8, "0")}`, record, { ttl: 3600 }),
      ),
    );
  }
  (globalThis as { gc?: () => void }).gc?.();
  const heapPerKey = process.memoryUsage().heapUsed / total;
  const sweeps: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 1000; i++) await store.set(`ticket:${round}-${i}`, 1, { ttl: 0.001 });
    await sleep(SWEEP_MS + 50); // past the sweep interval: the next write sweeps
    const started = performance.now();
    await store.set("probe", round);
    sweeps.push(`${(performance.now() - started).toFixed(1)} ms`);
  }
  console.log(
    `${name}: ${total.toLocaleString("en-US")} keys (${heapPerKey.toFixed(0)} bytes of heap each), the write that sweeps: ${sweeps.join(", ")}`,
  );
  await store.dispose();
}

await measure("memory", memorySessionStore({ sweepIntervalMs: SWEEP_MS }));
const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-sweep-bench-"));
try {
  await measure("fs (sync off)", fsSessionStore({ dir, fs, sync: "off", sweepIntervalMs: SWEEP_MS }));
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
