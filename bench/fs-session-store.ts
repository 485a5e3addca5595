/**
 * Write rate of the fs session store: 32 concurrent writers storing task records under fresh keys, reported per
 * window of keys so you can see whether the rate stays flat as the store grows. A measurement, not a test.
 *
 *   npx tsx bench/fs-session-store.ts [totalKeys=20000] [writers=32]
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsSessionStore } from "../gateway/src/session-stores/fs.ts";

const total = Number(process.argv[2] ?? 20_000);
const writers = Number(process.argv[3] ?? 32);
const window = Math.max(1000, Math.floor(total / 10));

const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-fs-bench-"));
const store = fsSessionStore({ dir, fs });
const task = (i: number) => ({
  id: `task-${i}`,
  agent: "agent-1",
  state: "working",
  createdAt: Date.now(),
  messages: [{ role: "user", text: "x".repeat(200) }],
});

let next = 0;
let windowStart = performance.now();
const rates: number[] = [];
const started = performance.now();
await Promise.all(
  Array.from({ length: writers }, async () => {
    while (next < total) {
      const i = next++;
      await store.set(`task:${i.toString().padStart(8, "0")}`, task(i));
      if ((i + 1) % window === 0) {
        const now = performance.now();
        rates.push(Math.round(window / ((now - windowStart) / 1000)));
        windowStart = now;
      }
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
console.log(`fs session store: ${total} writes by ${writers} writers in ${seconds.toFixed(2)} s`);
console.log(`overall: ${Math.round(total / seconds)} writes/s`);
console.log(`per ${window} keys: ${rates.join(", ")} writes/s`);
const keys = await store.keys("task:");
console.log(`keys("task:") returned ${keys.length} keys`);
await store.dispose();
const reopenStarted = performance.now();
const reopened = fsSessionStore({ dir, fs });
await reopened.keys("task:");
console.log(`re-open (journal replay of ${total} keys): ${Math.round(performance.now() - reopenStarted)} ms`);
await reopened.dispose();
await fs.rm(dir, { recursive: true, force: true });
