/**
 * Cost of `keys(prefix)` in the memory and fs session stores as the store grows: the gateway lists
 * `task:<agentId>:` on every agent connect, so a reconnect wave of every agent must not cost O(keys) each.
 * Fills `agents × perAgent` task keys, then lists each agent's tasks once. A measurement, not a test.
 *
 *   npx tsx bench/session-store-keys.ts [agents=10000] [perAgent=2] [stores=memory,fs]
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsSessionStore } from "../gateway/src/session-stores/fs.ts";
import { memorySessionStore } from "../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../gateway/src/session-stores/types.ts";

const agents = Number(process.argv[2] ?? 10_000);
const perAgent = Number(process.argv[3] ?? 2);
const stores = (process.argv[4] ?? "memory,fs").split(",");
const WRITERS = 32;

const agentId = (a: number) => `ag_${a.toString(16).padStart(16, "0")}`;

async function fill(store: SessionStore): Promise<void> {
  let next = 0;
  const total = agents * perAgent;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < total) {
        const i = next++;
        const key = `task:${agentId(i % agents)}:${i.toString(36).padStart(8, "0")}`;
        await store.set(key, { id: key, status: "submitted" });
      }
    }),
  );
  // Unrelated keys the listings must skip, as in a real gateway.
  for (let a = 0; a < agents; a++) await store.set(`agent:${agentId(a)}`, { name: `agent-${a}` });
}

async function measure(name: string, store: SessionStore): Promise<void> {
  await fill(store);
  const started = performance.now();
  let listed = 0;
  for (let a = 0; a < agents; a++) listed += (await store.keys(`task:${agentId(a)}:`)).length;
  const ms = performance.now() - started;
  if (listed !== agents * perAgent)
    throw new Error(`${name}: listed ${listed} keys, expected ${agents * perAgent}`);
  const allStarted = performance.now();
  const all = (await store.keys("task:")).length;
  const allMs = performance.now() - allStarted;
  console.log(
    `${name}: ${agents} × keys("task:<agent>:") over ${agents * (perAgent + 1)} keys in ${ms.toFixed(0)} ms ` +
      `(${((ms * 1000) / agents).toFixed(1)} µs each); keys("task:") → ${all} in ${allMs.toFixed(1)} ms`,
  );
}

if (stores.includes("memory")) {
  const store = memorySessionStore({});
  await measure("memory", store);
  await store.dispose();
}
if (stores.includes("fs")) {
  const dir = await fs.mkdtemp(join(tmpdir(), "agent-mesh-keys-bench-"));
  try {
    const store = fsSessionStore({ dir, fs });
    await measure("fs", store);
    await store.dispose();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
