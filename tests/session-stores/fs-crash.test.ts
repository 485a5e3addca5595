/**
 * Crash safety of the fs session store: a scenario of concurrent writes, deletes and several compactions runs on a
 * simulated disk (tests/helpers/power-cut-fs.ts) that dies before its n-th operation, for every n. The disk a
 * restarted process would find (process crash, power cut, power cut with a torn tail) must open cleanly and hold
 * every acknowledged write: each key holds its last acknowledged state or a later one that was attempted. Each write
 * comes after a relaxed count (a rate limit's, which several writes' batch can share as one line): the count may lose
 * what no acknowledged write carried, never what one did.
 */
import { describe, expect, it } from "vitest";
import { PREALLOCATE_BYTES } from "../../gateway/src/session-stores/_journal-file.ts";
import { type FsSyncMode, fsSessionStore } from "../../gateway/src/session-stores/fs.ts";
import { type CrashKind, crashAtEveryStep, POWER_CUT_FLAGS, PowerCutDisk } from "../helpers/power-cut-fs.ts";

const DIR = "/data/sessions";
const KEYS = 6;
const ROUNDS = 24;
/** Counted before every write, relaxed (`durable: false`), as the gateway counts a token's calls. */
const COUNT_KEY = "rate:t:1";

/** One mutation of the scenario: a set of `value`, or a delete when `value` is null. */
interface Mutation {
  key: string;
  value: unknown;
}

interface Run {
  mutations: Mutation[];
  acknowledged: Set<number>;
  /** Relaxed counts made before each mutation (they go out with its batch or an earlier one). */
  countsBefore: number[];
  counts: number;
}

/** How the journal reaches the disk: its sync mode, and in mode `always` whether it is opened `O_DSYNC`. */
interface Durability {
  sync: FsSyncMode;
  writeThrough?: boolean;
}

/** The store on `disk` as `durability` says, with its other options. */
const openStore = (
  disk: PowerCutDisk,
  { sync, writeThrough }: Durability,
  options: { compactionMinBytes?: number; preallocateBytes: number },
) =>
  fsSessionStore({
    dir: DIR,
    fs: disk.fs,
    sync,
    writeThrough: writeThrough ? POWER_CUT_FLAGS : null,
    ...options,
  });

/**
 * Zero-filled space added 512 bytes at a time (the store's default is 4 MiB): the scenario extends its journal many
 * times, and crashes in the middle of that too.
 */
const SMALL_STEPS = 512;

async function runScenario(
  disk: PowerCutDisk,
  durability: Durability,
  preallocateBytes = SMALL_STEPS,
): Promise<Run> {
  const store = openStore(disk, durability, { compactionMinBytes: 1500, preallocateBytes });
  const mutations: Mutation[] = [];
  const acknowledged = new Set<number>();
  const countsBefore: number[] = [];
  let counts = 0;
  // Open first, so that each count below is in memory (and its line held) before the write that follows it.
  await store.keys("").catch(() => {});
  const submit = (key: string, value: unknown): Promise<void> => {
    store.increment(COUNT_KEY, 1, { durable: false }).catch(() => {});
    counts++;
    const index = mutations.push({ key, value }) - 1;
    countsBefore[index] = counts;
    const written = value === null ? store.delete(key) : store.set(key, value);
    return written.then(
      () => {
        // An answer the dead process could not have sent does not count.
        if (!disk.crashed) acknowledged.add(index);
      },
      () => {},
    );
  };
  for (let round = 0; round < ROUNDS; round++) {
    const writes: Promise<void>[] = [];
    for (let i = 0; i < KEYS; i++) writes.push(submit(`task:${i}`, { round, i, pad: "x".repeat(40) }));
    if (round % 5 === 4) writes.push(submit(`task:${round % KEYS}`, null));
    await Promise.all(writes);
  }
  await store.dispose().catch(() => {});
  return { mutations, acknowledged, countsBefore, counts };
}

/** What is wrong with `recovered` (the store reopened on the crashed disk) for this run; empty when all is well. */
async function violations(run: Run, disk: PowerCutDisk, durability: Durability): Promise<string[]> {
  const problems: string[] = [];
  const reopened = openStore(disk, durability, { preallocateBytes: SMALL_STEPS });
  try {
    for (let i = 0; i < KEYS; i++) {
      const key = `task:${i}`;
      const history = run.mutations.flatMap((mutation, index) => (mutation.key === key ? [index] : []));
      const lastAcknowledged = history.findLastIndex((index) => run.acknowledged.has(index));
      const allowed = history
        .slice(Math.max(lastAcknowledged, 0))
        .map((index) => run.mutations[index]!.value);
      if (lastAcknowledged < 0) allowed.push(null); // never acknowledged: absent is fine too
      const got = await reopened.get(key);
      if (!allowed.some((value) => JSON.stringify(value) === JSON.stringify(got))) {
        problems.push(`${key} is ${JSON.stringify(got)}, acknowledged ${JSON.stringify(allowed[0])}`);
      }
    }
    const carried = Math.max(0, ...[...run.acknowledged].map((index) => run.countsBefore[index]!));
    const count = (await reopened.get<number>(COUNT_KEY)) ?? 0;
    if (!(Number.isInteger(count) && count >= carried && count <= run.counts))
      problems.push(
        `${COUNT_KEY} is ${count}: acknowledged writes carried ${carried} of ${run.counts} counts`,
      );
    // The recovered store takes writes again and keeps them.
    await reopened.set("after", "crash");
    await reopened.dispose();
    const again = openStore(disk, durability, { preallocateBytes: SMALL_STEPS });
    if ((await again.get("after")) !== "crash") problems.push("a write after recovery was lost");
    await again.dispose();
    const files = (await disk.fs.readdir(DIR, { withFileTypes: true })).map((entry) => entry.name);
    if (files.join() !== "journal.ndjson") problems.push(`files left: ${files.join(", ")}`);
  } catch (error) {
    problems.push(`reopening failed: ${(error as Error).message}`);
  }
  return problems;
}

/** Crashes the scenario before each of its operations in turn; returns the problems found, by crash point. */
const crashEverywhere = (durability: Durability, kind: CrashKind) =>
  crashAtEveryStep(
    (disk) => runScenario(disk, durability),
    (run, crashed) => violations(run, crashed, durability),
    kind,
  );

describe("fs session store crash safety", () => {
  for (const writeThrough of [false, true]) {
    const always = { sync: "always", writeThrough } as const;
    const how = writeThrough ? "sync always, written through with O_DSYNC" : "sync always";

    it(`runs a scenario that compacts several times and syncs every acknowledged batch (${how})`, async () => {
      const disk = new PowerCutDisk();
      const run = await runScenario(disk, always, PREALLOCATE_BYTES); // the default: one zero-filled step per file
      expect(run.acknowledged.size).toBe(run.mutations.length);
      expect(disk.renames).toBeGreaterThanOrEqual(3);
      // Group commit: one sync per batch of concurrent writes; besides, at open the first commit line, the parents
      // of the two folders mkdir created (/data and /data/sessions), the folder of the new journal and the
      // zero-filled space; per compaction the new file, the folder and the new file's zero-filled space.
      const besidesBatches = 5 + 3 * disk.renames;
      if (writeThrough) {
        // Each batch is one write that syncs itself, with no fdatasync after it. So are the opening's commit line
        // and the zeros (256 KiB a write, for the first file and each compaction's).
        const zeroWrites = (1 + disk.renames) * (PREALLOCATE_BYTES / 2 ** 18);
        expect(disk.syncedWrites).toBeLessThanOrEqual(ROUNDS + 1 + zeroWrites);
        expect(disk.syncs).toBeLessThanOrEqual(besidesBatches);
      } else expect(disk.syncs).toBeLessThanOrEqual(ROUNDS + besidesBatches);
      expect(await violations(run, disk.afterCrash("power"), always)).toEqual([]);
    });

    for (const kind of ["process", "power", "power-torn", "power-pages"] as const) {
      it(`keeps every acknowledged write through a ${kind} crash at every step (${how})`, async () => {
        const { points, problems } = await crashEverywhere(always, kind);
        expect(points).toBeGreaterThan(50); // the scenario really has many steps to crash at
        expect(problems).toEqual([]);
      });
    }
  }

  for (const sync of ["off", { everyMs: 20 }] as const) {
    it(`keeps every acknowledged write through a process crash at every step (sync ${JSON.stringify(sync)})`, async () => {
      expect((await crashEverywhere({ sync }, "process")).problems).toEqual([]);
    });
  }

  it("detects lost writes: with sync off, a power cut loses acknowledged writes", async () => {
    const { problems } = await crashEverywhere({ sync: "off" }, "power");
    expect(problems.length).toBeGreaterThan(0);
  });
});
