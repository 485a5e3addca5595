/** Rows of the cluster section: cross-node against same-node, many streams over three nodes, an idle fleet. */
import { fmt, latencyRow, type Row, row, throughputRow } from "../lib/report.ts";
import type { ClusterResult } from "./cluster.ts";
import type { ClusterIdleResult } from "./cluster-idle.ts";
import type { ClusterStreamsResult } from "./cluster-streams.ts";
import { ROUND_TRIP } from "./round-trip.ts";

/** Cross-node against same-node, both in cluster mode (the "floor" column holds the same-node figure). */
export function clusterRows(result: ClusterResult): Row[] {
  const { same, cross } = result;
  return [
    latencyRow(
      "Cluster round trip p50, cross-node vs same-node",
      "bun",
      cross.roundTrip.sequential.p50Ms,
      same.roundTrip.sequential.p50Ms,
      1.5,
    ),
    latencyRow(
      "Cluster round trip p99, cross-node vs same-node",
      "bun",
      cross.roundTrip.sequential.p99Ms,
      same.roundTrip.sequential.p99Ms,
      1.5,
    ),
    throughputRow(
      `Cluster round trips/s, ${ROUND_TRIP.concurrency} concurrent, cross vs same`,
      "bun",
      cross.roundTrip.concurrent.perSecond,
      same.roundTrip.concurrent.perSecond,
      fmt.perSecond,
    ),
    throughputRow(
      "Cluster stream chunks/s, cross-node vs same-node",
      "bun",
      cross.streaming.chunksPerSecond,
      same.streaming.chunksPerSecond,
      fmt.perSecond,
      0.6,
    ),
  ];
}

export function clusterStreamRows(result: ClusterStreamsResult): Row[] {
  const what = `Cluster: ${result.streams.toLocaleString("en-US")} concurrent streams over 3 nodes`;
  return [
    row(
      `${what}, failed calls`,
      "bun",
      `${result.errors} of ${result.streams.toLocaleString("en-US")}`,
      "",
      "",
      "0",
      result.errors === 0,
    ),
    row(`${what}, time to last chunk p50`, "bun", fmt.ms(result.p50Ms), "", "", "", null),
    row(`${what}, time to last chunk p99`, "bun", fmt.ms(result.p99Ms), "", "", "", null),
    row(`${what}, chunks/s in total`, "bun", fmt.perSecond(result.chunksPerSecond), "", "", "", null),
  ];
}

export function clusterIdleRows(result: ClusterIdleResult): Row[] {
  const what = `Cluster: ${result.agents.toLocaleString("en-US")} idle agents over 3 nodes`;
  return [
    row(
      `${what}, RSS per agent on each node`,
      "bun",
      result.nodes.map((node) => fmt.kb(node.kbPerAgent)).join(" / "),
      "",
      "",
      "",
      null,
    ),
    row(
      `${what}, Redis memory per agent`,
      "bun",
      `${Math.round(result.redisBytesPerAgent)} B`,
      "",
      "",
      "",
      null,
    ),
    row(
      `${what}, idle CPU on each node`,
      "bun",
      result.nodes.map((node) => `${node.idleCpuPercent.toFixed(1)}%`).join(" / "),
      "",
      "",
      "",
      null,
    ),
    row(
      `${what}, Redis commands/s and CPU while idle`,
      "bun",
      `${fmt.perSecond(result.redisCommandsPerSecond)}, ${result.redisIdleCpuPercent.toFixed(1)}% CPU`,
      "",
      "",
      "",
      null,
    ),
  ];
}
