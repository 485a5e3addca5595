/**
 * Multiplies every property's run count: `FUZZ_SCALE=20 npx vitest run tests/fuzz` for a long hunt; the default
 * keeps the whole fuzz run near a minute on two cores. A failure prints its seed and path; replay it with
 * `FUZZ_SEED=<seed>`.
 */
import fc from "fast-check";

export const FUZZ_SCALE = Number(process.env.FUZZ_SCALE ?? "1") || 1;

const seed = process.env.FUZZ_SEED;
if (seed) fc.configureGlobal({ seed: Number(seed) });

/** Per-test timeout: the suite default, stretched with the run count. */
export const FUZZ_TIMEOUT = { timeout: 30_000 * Math.max(1, FUZZ_SCALE) };
