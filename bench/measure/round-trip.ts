/**
 * Measurement 1: a one-chunk call's round trip (JSON POST → agent echoes → JSON answer), sequential and at a
 * small concurrency, after a warm-up that lets every runtime's JIT settle.
 */
import { httpClient, type LatencyStats, measureLatency } from "../lib/http-load.ts";
import type { RelayTarget } from "../lib/relay-target.ts";

/**
 * JIT tiers need many calls before a hot path is fully compiled, and the gateway's path is longer than the floor's:
 * sequential p50 of a fresh gateway kept falling until about 15,000–20,000 calls (bun 0.290 ms after 5,000,
 * 0.24 ms from 12,500; deno 0.327 → 0.29; node 0.392 → 0.35), while the floors settled by 5,000–10,000. Every
 * relay gets the same 20,000-call warm-up, so the rows compare servers in their steady state.
 */
export const ROUND_TRIP = { warmup: 20_000, warmupMs: 10_000, requests: 6000, concurrency: 8, maxMs: 8000 };

export interface RoundTripResult {
  sequential: LatencyStats;
  concurrent: LatencyStats;
}

export async function measureRoundTrip(target: RelayTarget): Promise<RoundTripResult> {
  const client = httpClient(target.url, target.token, ROUND_TRIP.concurrency);
  const body = JSON.stringify({ message: "hello from the bench" });
  const send = async () => {
    const res = await client.post(target.messagesPath, body);
    if (res.status !== 200) throw new Error(`${target.kind} ${target.runtime}: ${res.status} ${res.body}`);
  };
  try {
    const first = await client.post(target.messagesPath, body);
    const result = JSON.parse(first.body.toString()).result;
    if (result !== "hello from the bench") throw new Error(`echo came back as ${first.body}`);
    await measureLatency(send, { requests: ROUND_TRIP.warmup, concurrency: 4, maxMs: ROUND_TRIP.warmupMs });
    const sequential = await measureLatency(send, { ...ROUND_TRIP, concurrency: 1 });
    const concurrent = await measureLatency(send, ROUND_TRIP);
    return { sequential, concurrent };
  } finally {
    client.close();
  }
}
