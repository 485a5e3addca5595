/**
 * Crash safety of the fs blob store: puts into new folders (some at once, into the same one), overwrites and
 * deletes run on a simulated disk (tests/helpers/power-cut-fs.ts) that dies before its n-th operation, for every
 * n. The disk a restarted process would find must hold every acknowledged put and delete: each key holds its last
 * acknowledged state or a later one that was attempted, whole, never a torn or empty file.
 */
import { describe, expect, it } from "vitest";
import { fsBlobStore } from "../../gateway/src/blob-stores/fs.ts";
import type { FsSyncMode } from "../../gateway/src/session-stores/fs.ts";
import { type CrashKind, crashAtEveryStep, PowerCutDisk } from "../helpers/power-cut-fs.ts";

/** Four folders deep, none there yet: making them durable takes longer than a put, so puts must wait for it. */
const DIR = "/var/lib/agent-mesh/blobs";

/** One step of the scenario: a put of `value`, or a delete when it is null. */
interface Mutation {
  key: string;
  value: Uint8Array | null;
}

interface Run {
  mutations: Mutation[];
  acknowledged: Set<number>;
}

/** The rounds of the scenario; the mutations of a round run at once. */
const ROUNDS: [key: string, put: boolean][][] = [
  // New folders: two puts at once into the same one, four levels deep (longer to make durable than a put, so the
  // second must wait for the first's work), one three levels deep, one in the store's own folder.
  [
    ["att:x:y:z:a", true],
    ["att:x:y:z:b", true],
    ["skill:alice:demo:1.0.0", true],
    ["top", true],
  ],
  [
    ["att:x:y:z:a", true],
    ["skill:alice:demo:1.1.0", true],
    ["att:x:y:z:b", false],
  ],
  [
    ["top", true],
    ["att:x:y:z:b", true],
    ["skill:alice:demo:1.0.0", false],
  ],
];

const KEYS = [...new Set(ROUNDS.flat().map(([key]) => key))];

/** 200 bytes (several of the disk's 64-byte pages) that differ for every mutation. */
const bytesOf = (index: number) => Uint8Array.from({ length: 200 }, (_, i) => (index * 31 + i) % 251);

async function runScenario(disk: PowerCutDisk, sync: FsSyncMode): Promise<Run> {
  const blobs = fsBlobStore({ dir: DIR, fs: disk.fs, sync });
  const mutations: Mutation[] = [];
  const acknowledged = new Set<number>();
  for (const round of ROUNDS) {
    await Promise.all(
      round.map(([key, put]) => {
        const index = mutations.push({ key, value: put ? bytesOf(mutations.length) : null }) - 1;
        const value = mutations[index]!.value;
        const done = value === null ? blobs.delete(key) : blobs.put(key, value);
        return done.then(
          () => {
            // An answer the dead process could not have sent does not count.
            if (!disk.crashed) acknowledged.add(index);
          },
          () => {},
        );
      }),
    );
  }
  await blobs.dispose();
  return { mutations, acknowledged };
}

const same = (a: Uint8Array | null, b: Uint8Array | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((byte, i) => byte === b[i]);

/** What is wrong with the blobs found on `disk` after this run; empty when all is well. */
async function violations(run: Run, disk: PowerCutDisk, sync: FsSyncMode): Promise<string[]> {
  const problems: string[] = [];
  const blobs = fsBlobStore({ dir: DIR, fs: disk.fs, sync });
  try {
    for (const key of KEYS) {
      const history = run.mutations.flatMap((mutation, index) => (mutation.key === key ? [index] : []));
      const lastAcknowledged = history.findLastIndex((index) => run.acknowledged.has(index));
      const allowed = history
        .slice(Math.max(lastAcknowledged, 0))
        .map((index) => run.mutations[index]!.value);
      if (lastAcknowledged < 0) allowed.push(null); // never acknowledged: absent is fine too
      const got = await blobs.get(key);
      if (!allowed.some((value) => same(value, got))) {
        const what = got === null ? "missing" : `${got.length} bytes that are none of its puts`;
        problems.push(
          `${key} is ${what}; its last acknowledged state: ${allowed[0] === null ? "deleted" : "a put"}`,
        );
      }
    }
    // The recovered store takes new puts, and the first into each folder clears the temp files a crash left there.
    for (const key of ["att:x:y:z:after", "skill:alice:demo:after", "after"]) {
      await blobs.put(key, Uint8Array.of(1));
      if (!same(await blobs.get(key), Uint8Array.of(1)))
        problems.push(`a put after recovery (${key}) was lost`);
    }
    for (const folder of ["att/x/y/z", "skill/alice/demo", ""]) {
      const entries = await disk.fs.readdir(`${DIR}/${folder}`.replace(/\/$/, ""), { withFileTypes: true });
      const left = entries.filter((entry) => entry.name.endsWith(".tmp")).map((entry) => entry.name);
      if (left.length > 0)
        problems.push(`temp files left in ${folder || "the blob folder"}: ${left.join(", ")}`);
    }
  } catch (error) {
    problems.push(`reading the blobs failed: ${(error as Error).message}`);
  }
  return problems;
}

/** Crashes the scenario before each of its operations in turn; returns the problems found, by crash point. */
const crashEverywhere = (sync: FsSyncMode, kind: CrashKind) =>
  crashAtEveryStep(
    (disk) => runScenario(disk, sync),
    (run, crashed) => violations(run, crashed, sync),
    kind,
  );

describe("fs blob store crash safety", () => {
  it("acknowledges every put and delete of the scenario, and a power cut after it keeps them all", async () => {
    const disk = new PowerCutDisk();
    const run = await runScenario(disk, "always");
    expect(run.acknowledged.size).toBe(run.mutations.length);
    expect(await violations(run, disk.afterCrash("power"), "always")).toEqual([]);
  });

  for (const sync of ["always", { everyMs: 100 }] as const) {
    for (const kind of ["process", "power", "power-torn", "power-pages"] as const) {
      it(`keeps every acknowledged put and delete through a ${kind} crash at every step (sync ${JSON.stringify(sync)})`, async () => {
        const { points, problems } = await crashEverywhere(sync, kind);
        expect(points).toBeGreaterThan(50); // the scenario really has many steps to crash at
        expect(problems).toEqual([]);
      });
    }
  }

  it('keeps every acknowledged put and delete through a process crash at every step (sync "off")', async () => {
    expect((await crashEverywhere("off", "process")).problems).toEqual([]);
  });

  it("detects lost writes: with sync off, a power cut loses acknowledged puts", async () => {
    const { problems } = await crashEverywhere("off", "power");
    expect(problems.length).toBeGreaterThan(0);
  });
});
