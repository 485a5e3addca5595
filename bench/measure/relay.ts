/**
 * The relay section's measurements and rows: round trips through a floor, the floor behind Hono and the gateway
 * (memory and fs store) on each runtime, the four running side by side and taking turns, each keeping its best
 * round; streams through the floor and the gateway, taking turns.
 */
import { measureOn, measureOnAll, type RelayTarget } from "../lib/relay-target.ts";
import { fmt, latencyRow, type Row, row, throughputRow } from "../lib/report.ts";
import {
  measureRoundTrip,
  measureRoundTripsTogether,
  ROUND_TRIP,
  type RoundTripResult,
} from "./round-trip.ts";
import { measureStreaming, measureStreamsTogether, type StreamingResult } from "./streaming.ts";

export interface RelayResult {
  roundTrip: RoundTripResult;
  streaming: StreamingResult;
}

export function measureRelay(start: () => Promise<RelayTarget>): Promise<RelayResult> {
  return measureOn(start, async (target) => ({
    roundTrip: await measureRoundTrip(target),
    streaming: await measureStreaming(target),
  }));
}

export const RELAY_ROUNDS = 2;

/** One round's round trips on relays started for it, all running, taking turns. */
export function measureRoundTripsOn(starts: (() => Promise<RelayTarget>)[]): Promise<RoundTripResult[]> {
  return measureOnAll(starts, (targets) => measureRoundTripsTogether(targets, { pinned: true }));
}

/** The floor's and the gateway's streams, both running, taking turns run by run. */
export async function measureStreamsOn(
  startFloor: () => Promise<RelayTarget>,
  startGateway: () => Promise<RelayTarget>,
): Promise<{ floor: StreamingResult; gateway: StreamingResult }> {
  const [floor, gateway] = await measureOnAll([startFloor, startGateway], measureStreamsTogether);
  return { floor: floor!, gateway: gateway! };
}

/** Per measurement, the best of several rounds: lowest latency, highest rate. */
export function bestOf(results: (RoundTripResult | null)[]): RoundTripResult | null {
  const done = results.filter((result): result is RoundTripResult => result !== null);
  if (done.length === 0) return null;
  const latency = (pick: (r: RoundTripResult) => RoundTripResult["sequential"]) => ({
    p50Ms: Math.min(...done.map((r) => pick(r).p50Ms)),
    p99Ms: Math.min(...done.map((r) => pick(r).p99Ms)),
    perSecond: Math.max(...done.map((r) => pick(r).perSecond)),
  });
  return {
    sequential: { ...done[0]!.sequential, ...latency((r) => r.sequential) },
    concurrent: { ...done[0]!.concurrent, ...latency((r) => r.concurrent) },
  };
}

export function relayRows(runtime: string, gateway: RelayResult, floor: RelayResult): Row[] {
  const { sequential: gs, concurrent: gc } = gateway.roundTrip;
  const { sequential: fs, concurrent: fc } = floor.roundTrip;
  const c = ROUND_TRIP.concurrency;
  return [
    latencyRow("Round trip p50, sequential", runtime, gs.p50Ms, fs.p50Ms, 1.2),
    latencyRow("Round trip p99, sequential", runtime, gs.p99Ms, fs.p99Ms),
    throughputRow("Round trips/s, sequential", runtime, gs.perSecond, fs.perSecond, fmt.perSecond),
    latencyRow(`Round trip p50, ${c} concurrent`, runtime, gc.p50Ms, fc.p50Ms),
    latencyRow(`Round trip p99, ${c} concurrent`, runtime, gc.p99Ms, fc.p99Ms),
    throughputRow(`Round trips/s, ${c} concurrent`, runtime, gc.perSecond, fc.perSecond, fmt.perSecond, 0.5),
    throughputRow(
      "Stream chunks/s",
      runtime,
      gateway.streaming.chunksPerSecond,
      floor.streaming.chunksPerSecond,
      fmt.perSecond,
      0.9,
    ),
    throughputRow(
      "Stream payload MB/s",
      runtime,
      gateway.streaming.payloadMBps,
      floor.streaming.payloadMBps,
      fmt.mbps,
      0.9,
    ),
  ];
}

/**
 * The sequential round trip split in two: the floor behind a one-route Hono app on the gateway's adapter (what any
 * Hono app pays on this runtime), and the gateway against that (its own work: auth, limits, lookup, sessions).
 */
export function frameworkShareRows(
  runtime: string,
  gateway: RoundTripResult,
  honoFloor: RoundTripResult,
  floor: RoundTripResult,
): Row[] {
  // p99 too: how much of the gateway's tail over the plain floor any Hono app on the runtime has
  // (docs/capacity-notes.md, "The p99 rows").
  return (["p50Ms", "p99Ms"] as const).flatMap((at) => {
    const name = `Round trip ${at.slice(0, 3)}, sequential`;
    const g = gateway.sequential[at];
    const h = honoFloor.sequential[at];
    return [
      latencyRow(
        `${name}: the floor behind Hono (floor = plain floor)`,
        runtime,
        h,
        floor.sequential[at],
        null,
      ),
      latencyRow(`${name}: gateway (floor = the floor behind Hono)`, runtime, g, h, null),
    ];
  });
}

/**
 * The sequential round trip on the store a gateway runs on by default (fs, sync `always`): what a user who
 * changed nothing gets. Every call counts against the token's rate limit in that store.
 */
export function defaultStoreRow(runtime: string, fsGateway: RoundTripResult, floor: RoundTripResult): Row {
  return latencyRow(
    "Round trip p50, sequential, fs store (the default)",
    runtime,
    fsGateway.sequential.p50Ms,
    floor.sequential.p50Ms,
    1.2,
  );
}

export function workerdRows(result: RelayResult): Row[] {
  const { sequential: s, concurrent: c } = result.roundTrip;
  const n = ROUND_TRIP.concurrency;
  return [
    row("Round trip p50, sequential", "workerd", fmt.ms(s.p50Ms), "no floor", "", "", null),
    row("Round trip p99, sequential", "workerd", fmt.ms(s.p99Ms), "no floor", "", "", null),
    row(`Round trips/s, ${n} concurrent`, "workerd", fmt.perSecond(c.perSecond), "no floor", "", "", null),
    row(
      "Stream chunks/s",
      "workerd",
      fmt.perSecond(result.streaming.chunksPerSecond),
      "no floor",
      "",
      "",
      null,
    ),
  ];
}
