/** Table rows of the capacity measurement (bench/measure/capacity.ts), with the targets. */
import { fmt, type Row, row } from "../lib/report.ts";
import {
  BUN_SETTINGS,
  CAPACITY,
  type CapacityResult,
  KEEP_FREED_MEMORY_SETTING,
  measureCapacity,
  measureGateway,
  type ServerCapacity,
  settingText,
  TARGET_AGENTS,
} from "./capacity.ts";

export {
  BUN_SETTINGS,
  CAPACITY,
  KEEP_FREED_MEMORY_SETTING,
  measureCapacity,
  measureGateway,
  settingText,
  TARGET_AGENTS,
};

/**
 * The issue sets the fleet's targets for one Bun node; Node is measured beside it for comparison, without them.
 */
const targetOn = (runtime: string, target: string, met: boolean): [string, boolean | null] =>
  runtime === "bun" ? [target, met] : ["", null];

export function capacityRows({ runtime, agents, gateway, floor }: CapacityResult): Row[] {
  const n = agents.toLocaleString("en-US");
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  return [
    row(
      `RSS per idle agent, ${n} agents`,
      runtime,
      fmt.kb(gateway.kbPerAgent),
      fmt.kb(floor.kbPerAgent),
      ratio(gateway.kbPerAgent, floor.kbPerAgent),
      ...targetOn(runtime, "≤ 3 KB", gateway.kbPerAgent <= 3),
    ),
    row(
      `Connects/s (hello → welcome), ${n} agents`,
      runtime,
      fmt.perSecond(gateway.connectedPerSecond),
      fmt.perSecond(floor.connectedPerSecond),
      `${Math.round((gateway.connectedPerSecond / floor.connectedPerSecond) * 100)}%`,
      ...targetOn(runtime, "≥ 10,000/s", gateway.connectedPerSecond >= 10_000),
    ),
    row(
      "Server CPU per connect (upgrade + hello → welcome)",
      runtime,
      `${gateway.cpuPerConnectUs.toFixed(0)} µs (${fmt.perSecond(1e6 / gateway.cpuPerConnectUs)} per core)`,
      `${floor.cpuPerConnectUs.toFixed(0)} µs (${fmt.perSecond(1e6 / floor.cpuPerConnectUs)} per core)`,
      ratio(gateway.cpuPerConnectUs, floor.cpuPerConnectUs),
      ...targetOn(runtime, "≤ 100 µs (10,000/s on one core)", gateway.cpuPerConnectUs <= 100),
    ),
    row(
      "Server CPU per connect: the event-loop thread (other threads: µs per connect)",
      runtime,
      threadSplit(gateway),
      threadSplit(floor),
      ratio(gateway.mainThreadCpuPerConnectUs, floor.mainThreadCpuPerConnectUs),
      "",
      null,
    ),
    row(
      "Load generators' CPU per connect (they share the 2 cores)",
      runtime,
      `${gateway.generatorCpuPerConnectUs.toFixed(0)} µs`,
      `${floor.generatorCpuPerConnectUs.toFixed(0)} µs`,
      "",
      "",
      null,
    ),
    idleCpuRow(`Idle CPU over one heartbeat, ${n} agents`, runtime, gateway, floor),
    row(
      `Restart settle (all back online), ${n} agents`,
      runtime,
      `${gateway.restartSettleSeconds.toFixed(1)} s (listening after ${gateway.restartListeningSeconds.toFixed(1)} s)`,
      "",
      "",
      ...targetOn(runtime, "≤ 30 s", gateway.restartSettleSeconds <= 30),
    ),
  ];
}

/** "88 µs (JITWorker 33, JSCWarmUp 16, …)": the event loop's CPU per connect, then the other threads', largest first. */
function threadSplit(
  server: Pick<ServerCapacity, "mainThreadCpuPerConnectUs" | "helperCpuPerConnectUs">,
): string {
  const helpers = Object.entries(server.helperCpuPerConnectUs)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, us]) => `${kind} ${us.toFixed(0)}`);
  const main = `${server.mainThreadCpuPerConnectUs.toFixed(0)} µs`;
  return helpers.length > 0 ? `${main} (${helpers.join(", ")})` : main;
}

/** CPU over one heartbeat with the whole fleet idle, gateway beside floor (no target). */
export function idleCpuRow(
  measurement: string,
  runtime: string,
  gateway: Pick<ServerCapacity, "idleCpuPercent">,
  floor: Pick<ServerCapacity, "idleCpuPercent">,
): Row {
  const share = (server: Pick<ServerCapacity, "idleCpuPercent">) =>
    `${server.idleCpuPercent.toFixed(1)}% of a core`;
  return row(measurement, runtime, share(gateway), share(floor), "", "", null);
}

/**
 * The scaling check: the gateway at a quarter of the fleet and at the whole fleet. Per-agent memory and CPU per
 * connect that stay flat between the two are what makes a projection to the target fleet (which this machine's
 * open-files limit keeps from being measured) more than a guess; the projection is labelled as one.
 */
export function scalingRows(
  runtime: string,
  small: { agents: number; gateway: CapacityResult["gateway"] },
  full: CapacityResult,
): Row[] {
  const n = (count: number) => count.toLocaleString("en-US");
  const growth = full.gateway.kbPerAgent / small.gateway.kbPerAgent;
  const projectedMb = (full.gateway.kbPerAgent * TARGET_AGENTS) / 1024;
  // Listening again grows with the fleet (the old process closes every socket and stamps every agent's `last_seen`,
  // the new one replays every record while the fleet retries): extrapolated in a line through the two sizes.
  const listeningPerAgent = Math.max(
    0,
    (full.gateway.restartListeningSeconds - small.gateway.restartListeningSeconds) /
      (full.agents - small.agents),
  );
  const projectedListening =
    full.gateway.restartListeningSeconds + listeningPerAgent * (TARGET_AGENTS - full.agents);
  const projectedSettle = projectedListening + TARGET_AGENTS / full.gateway.connectedPerSecond;
  return [
    row(
      `Scaling: RSS per idle agent, ${n(small.agents)} → ${n(full.agents)} agents`,
      runtime,
      `${fmt.kb(small.gateway.kbPerAgent)} → ${fmt.kb(full.gateway.kbPerAgent)}`,
      "",
      `${growth.toFixed(2)}×`,
      "flat (≤ 1.25×)",
      growth <= 1.25,
    ),
    row(
      `Scaling: server CPU per connect, ${n(small.agents)} → ${n(full.agents)} agents`,
      runtime,
      `${small.gateway.cpuPerConnectUs.toFixed(0)} → ${full.gateway.cpuPerConnectUs.toFixed(0)} µs`,
      "",
      `${(full.gateway.cpuPerConnectUs / small.gateway.cpuPerConnectUs).toFixed(2)}×`,
      "",
      null,
    ),
    row(
      `Projected for ${n(TARGET_AGENTS)} agents (the open-files limit: not measured here; memory: npm run bench:guest)`,
      runtime,
      `${projectedMb.toFixed(0)} MB for the sockets; restart settle ≈ ${projectedSettle.toFixed(0)} s: listening after ≈ ${projectedListening.toFixed(1)} s (in line with ${small.gateway.restartListeningSeconds.toFixed(1)} s at ${n(small.agents)} and ${full.gateway.restartListeningSeconds.toFixed(1)} s at ${n(full.agents)}), then ${n(TARGET_AGENTS)} connects at the measured rate`,
      "",
      "",
      "≤ 3 KB per agent; settle ≤ 30 s",
      full.gateway.kbPerAgent <= 3 && projectedSettle <= 30,
    ),
  ];
}

/** The Bun gateway started with `env` (one of `BUN_SETTINGS`), the default gateway as its floor. */
export function settingRows(
  runtime: string,
  env: Record<string, string>,
  measured: CapacityResult["gateway"],
  full: CapacityResult,
): Row[] {
  const setting = `with ${settingText(env)} (floor = the default gateway)`;
  const base = full.gateway;
  return [
    row(
      `Server CPU per connect, ${setting}`,
      runtime,
      `${measured.cpuPerConnectUs.toFixed(0)} µs`,
      `${base.cpuPerConnectUs.toFixed(0)} µs`,
      `${(measured.cpuPerConnectUs / base.cpuPerConnectUs).toFixed(2)}×`,
      "",
      null,
    ),
    row(
      `RSS per idle agent, ${setting}`,
      runtime,
      fmt.kb(measured.kbPerAgent),
      fmt.kb(base.kbPerAgent),
      `${(measured.kbPerAgent / base.kbPerAgent).toFixed(2)}×`,
      "",
      null,
    ),
    row(
      `Restart settle, ${setting}`,
      runtime,
      `${measured.restartSettleSeconds.toFixed(1)} s (listening after ${measured.restartListeningSeconds.toFixed(1)} s)`,
      `${base.restartSettleSeconds.toFixed(1)} s`,
      "",
      "",
      null,
    ),
  ];
}
