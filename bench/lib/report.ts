/**
 * Turns measurements into one markdown table (printed and written to bench/RESULTS.md). Targets are tracked,
 * never asserted: a missed target is a row marked "missed", not a failed run.
 */
import type { MachineInfo } from "./machine.ts";

export interface Row {
  measurement: string;
  runtime: string;
  gateway: string;
  floor: string;
  /** gateway ÷ floor, formatted; empty when there is no floor. */
  ratio: string;
  target: string;
  /** "met", "missed" or "" (no target on this row). */
  verdict: string;
}

const num = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits }) : "n/a";

export const fmt = {
  ms: (value: number) => `${num(value, 3)} ms`,
  perSecond: (value: number) => `${num(value)}/s`,
  mbps: (value: number) => `${num(value, 2)} MB/s`,
  kb: (value: number) => `${num(value, 2)} KB`,
  mb: (kb: number) => `${num(kb / 1024)} MB`,
};

/** A latency row: the gateway may take at most `limit`× the floor's time (no target when null). */
export function latencyRow(
  measurement: string,
  runtime: string,
  gateway: number,
  floor: number,
  limit: number | null = 1.25,
) {
  const ratio = gateway / floor;
  return row(
    measurement,
    runtime,
    fmt.ms(gateway),
    fmt.ms(floor),
    `${num(ratio, 2)}×`,
    limit === null ? "" : `≤ ${limit}×`,
    limit === null ? null : ratio <= limit,
  );
}

/** A throughput row: the gateway must keep at least `share` of the floor's rate (no target when omitted). */
export function throughputRow(
  measurement: string,
  runtime: string,
  gateway: number,
  floor: number,
  format: (value: number) => string,
  share?: number,
) {
  const ratio = gateway / floor;
  const target = share === undefined ? "" : `≥ ${share * 100}%`;
  return row(
    measurement,
    runtime,
    format(gateway),
    format(floor),
    `${num(ratio * 100)}%`,
    target,
    share === undefined ? null : ratio >= share,
  );
}

export function row(
  measurement: string,
  runtime: string,
  gateway: string,
  floor: string,
  ratio: string,
  target: string,
  met: boolean | null,
): Row {
  return {
    measurement,
    runtime,
    gateway,
    floor,
    ratio,
    target,
    verdict: met === null ? "" : met ? "met" : "MISSED",
  };
}

export function table(rows: Row[]): string {
  const header = ["Measurement", "Runtime", "Gateway", "Floor", "Gateway ÷ floor", "Target", ""];
  const lines = rows.map((r) => [r.measurement, r.runtime, r.gateway, r.floor, r.ratio, r.target, r.verdict]);
  return [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

export function resultsMarkdown(
  machine: MachineInfo,
  rows: Row[],
  notes: string[],
  method: string[],
  writtenBy = "`npm run bench` (bench/run.ts)",
): string {
  return [
    "# Benchmark results",
    "",
    `Written by ${writtenBy}. Targets are tracked, not asserted.`,
    "",
    `- Date: ${machine.date}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory; open files ${machine.fileLimit}`,
    `- Versions: ${Object.entries(machine.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(", ")}`,
    "",
    table(rows),
    "",
    ...(notes.length ? ["## Notes", "", ...notes.map((note) => `- ${note}`), ""] : []),
    "## Method",
    "",
    ...method.map((line) => `- ${line}`),
    "",
  ].join("\n");
}
