/**
 * Measurement 1: a one-chunk call's round trip (JSON POST → agent echoes → JSON answer), sequential and at a
 * small concurrency, after a warm-up that lets every runtime's JIT settle. Relays measured together take turns,
 * in the warm-up as in the measurement.
 */
import { pinForLatency } from "../lib/cpu-pinning.ts";
import { httpClient, type LatencyStats, measureLatencyInTurns } from "../lib/http-load.ts";
import type { RelayTarget } from "../lib/relay-target.ts";

/**
 * JIT tiers need many calls before a hot path is fully compiled, and the gateway's path is longer than the floor's:
 * sequential p50 of a fresh gateway kept falling until about 15,000–20,000 calls (bun 0.290 ms after 5,000,
 * 0.24 ms from 12,500; deno 0.327 → 0.29; node 0.392 → 0.35), while the floors settled by 5,000–10,000. Every
 * relay gets the same 20,000-call warm-up, so the rows compare servers in their steady state.
 */
export const ROUND_TRIP = {
  warmup: 20_000,
  warmupMs: 10_000,
  requests: 6000,
  concurrency: 8,
  maxMs: 8000,
  /** Relays measured together take turns in this many slices of `requests / slices` calls each. */
  slices: 12,
};

export interface RoundTripResult {
  sequential: LatencyStats;
  concurrent: LatencyStats;
}

export async function measureRoundTrip(target: RelayTarget): Promise<RoundTripResult> {
  const [result] = await measureRoundTripsTogether([target]);
  return result!;
}

/**
 * The relays warmed up and measured taking turns (http-load.ts says why). `pinned`: for relays that are stopped
 * right after, the measurement pins them and their agents to CPUs (cpu-pinning.ts); they stay pinned.
 */
export async function measureRoundTripsTogether(
  targets: RelayTarget[],
  { pinned = false } = {},
): Promise<RoundTripResult[]> {
  const clients = targets.map((target) => httpClient(target.url, target.token, ROUND_TRIP.concurrency));
  const body = JSON.stringify({ message: "hello from the bench" });
  const sends = targets.map((target, i) => async () => {
    const res = await clients[i]!.post(target.messagesPath, body);
    if (res.status !== 200) throw new Error(`${target.kind} ${target.runtime}: ${res.status} ${res.body}`);
  });
  try {
    for (const [i, target] of targets.entries()) {
      const first = await clients[i]!.post(target.messagesPath, body);
      const result = JSON.parse(first.body.toString()).result;
      if (result !== "hello from the bench") throw new Error(`echo came back as ${first.body}`);
    }
    // Warmed up in turns too: warmed one after the other, the relay warmed first (then idle while the others
    // warmed) measured 7–15% slower than the same floor behind Hono warmed last.
    const warmup = { requests: ROUND_TRIP.warmup, concurrency: 4, maxMs: ROUND_TRIP.warmupMs };
    await measureLatencyInTurns(sends, { ...warmup, slices: ROUND_TRIP.slices });
    const unpin = pinned
      ? pinForLatency(
          targets.map((target) => target.serverPid),
          targets.flatMap((target) => (target.agentPid ? [target.agentPid] : [])),
        )
      : () => {};
    try {
      const sequential = await measureLatencyInTurns(sends, { ...ROUND_TRIP, concurrency: 1 });
      const concurrent = await measureLatencyInTurns(sends, ROUND_TRIP);
      return targets.map((_, i) => ({ sequential: sequential[i]!, concurrent: concurrent[i]! }));
    } finally {
      unpin();
    }
  } finally {
    for (const client of clients) client.close();
  }
}
