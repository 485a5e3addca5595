/**
 * Multiplies every property's run count: `FUZZ_SCALE=20 npx vitest run tests/fuzz` for a long hunt; the default
 * keeps the whole fuzz run near a minute on two cores. A failure prints its seed and path; replay it with
 * `FUZZ_SEED=<seed>`.
 */
import fc from "fast-check";

export const FUZZ_SCALE = Number(process.env.FUZZ_SCALE ?? "1") || 1;

const seed = process.env.FUZZ_SEED;
if (seed) fc.configureGlobal({ seed: Number(seed) });

/**
 * Per-test timeout, stretched with the run count. Four times the suite default: a property's 300 runs of real
 * archive and file work took 7–10 s alone on the 2-core VM and over 30 s with the whole suite beside it (a CI run
 * timed out there); the runs are the same either way, only the wait for them is longer.
 */
export const FUZZ_TIMEOUT = { timeout: 120_000 * Math.max(1, FUZZ_SCALE) };
