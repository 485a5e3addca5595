/**
 * The connector rows of `npm run bench` (`--only=connector`): the path real users take, gateway → the
 * installed `agent-mesh connect` → adapter, against the floor relay measured in the same run.
 *
 * - CLI cold start (`--version`, `--help`) of the installed package, next to a bare `node -e 0`.
 * - Round trip (echo) with an empty project and with this repository as the project, vs the floor relay with
 *   the bare protocol client.
 * - Exec round trip (`cat`) vs the echo round trip through the same kind of connector plus one spawn of `cat`.
 * - Streaming via `connect echo --chunks n` vs the bare protocol client on the same gateway runtime.
 * - What a connector costs to start (spawn → connected) and holds (RSS after its round trips), for echo and exec:
 *   an exec turn forks the connector, which costs more the more memory it holds (docs/adapters.md).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConnectorInstall, installConnector } from "../lib/connector-install.ts";
import { startConnectorTarget } from "../lib/connector-target.ts";
import { httpClient } from "../lib/http-load.ts";
import { ROOT, readRssKb } from "../lib/processes.ts";
import { measureOnAll, type RelayTarget, startFloorTarget, startGatewayTarget } from "../lib/relay-target.ts";
import { fmt, latencyRow, type Row, row, throughputRow } from "../lib/report.ts";
import type { LocalRuntime } from "../lib/servers.ts";
import { COLD_START, measureColdStart } from "./cold-start.ts";
import { echoStreamOnce } from "./connector-streaming.ts";
import { measureRoundTripsTogether, ROUND_TRIP } from "./round-trip.ts";
import { measureSpawn } from "./spawn-cost.ts";
import { mediansInTurns, STREAMING, streamOnce } from "./streaming.ts";

/** The gateway runtime of the connector rows: `npm start`'s. */
const RUNTIME: LocalRuntime = "bun";
const BENCH_MESSAGE = "hello from the bench";

export interface ConnectorSuite {
  rows: Row[];
  notes: string[];
  method: string[];
}

/** A connector target's start (spawn → "connected as") and the memory it holds now; null for other targets. */
async function connectorFootprint(
  target: RelayTarget,
): Promise<{ connectedAfterMs: number; rssKb: number } | null> {
  if (target.connectedAfterMs === undefined || target.agentPid === undefined) return null;
  return { connectedAfterMs: target.connectedAfterMs, rssKb: await readRssKb(target.agentPid) };
}

export async function measureConnector(log: (what: string) => void): Promise<ConnectorSuite> {
  const rows: Row[] = [];
  const notes: string[] = [];
  log("build and install the connector tarball");
  const install: ConnectorInstall = installConnector();
  const empty = mkdtempSync(join(tmpdir(), "agent-mesh-bench-project-"));
  const hadState = existsSync(join(ROOT, ".agent-mesh"));
  try {
    log("CLI cold start");
    const cold = measureColdStart(install);
    const baseline = `${fmt.ms(cold.nodeMs)} (node -e 0)`;
    for (const [flag, ms] of [
      ["--version", cold.versionMs],
      ["--help", cold.helpMs],
    ] as const) {
      rows.push(
        // The ratio column shows what the CLI adds to Node's own start, which a loaded machine inflates less.
        row(
          `CLI cold start, agent-mesh ${flag}`,
          "node",
          fmt.ms(ms),
          baseline,
          `+${fmt.ms(ms - cold.nodeMs)}`,
          "≤ 150 ms",
          ms <= 150,
        ),
      );
    }

    // Every round trip of these rows is measured in one set of turns: measured one after the other, a minute
    // apart, the host's swings decided the ratios (one full run read the empty project at 1.59× the floor and
    // the repository, a larger project, at 1.34×).
    log(
      `round trips, taking turns: floor relay, gateway with the bare client, connectors (echo ×2, exec cat)`,
    );
    const connector = (label: string, project: string, connect: string[]) => () =>
      startConnectorTarget(RUNTIME, install, { connect, project, label });
    const { results, footprints } = await measureOnAll(
      [
        () => startFloorTarget(RUNTIME),
        () => startGatewayTarget(RUNTIME),
        connector("echo, empty project", empty, ["echo"]),
        connector("echo, this repository", ROOT, ["echo"]),
        connector("exec cat, empty project", empty, ["exec", "--", "cat"]),
      ],
      async (targets) => ({
        results: await measureRoundTripsTogether(targets),
        // Read while the connectors still run, after every round trip of theirs.
        footprints: await Promise.all(targets.map(connectorFootprint)),
      }),
    );
    const [floor, bare, echoEmpty, echoRepo, exec] = results;
    for (const [label, footprint] of [
      ["echo, empty project", footprints[2]],
      ["exec cat, empty project", footprints[4]],
    ] as const) {
      if (!footprint) continue;
      rows.push(
        row(
          `Connector (connect ${label}): start to connected; RSS after the round trips`,
          "node",
          `${fmt.ms(footprint.connectedAfterMs)}; ${(footprint.rssKb / 1024).toFixed(1)} MB`,
          baseline,
          "",
          "",
          null,
        ),
      );
    }
    for (const [label, result] of [
      ["empty project", echoEmpty!],
      ["this repository as project", echoRepo!],
    ] as const) {
      const f = floor!.sequential;
      const s = result.sequential;
      rows.push(latencyRow(`Round trip p50 via connector (echo, ${label})`, RUNTIME, s.p50Ms, f.p50Ms, 1.5));
      rows.push(
        row(
          `Round trip p99 via connector (echo, ${label})`,
          RUNTIME,
          fmt.ms(s.p99Ms),
          fmt.ms(f.p99Ms),
          `${(s.p99Ms / f.p99Ms).toFixed(2)}×`,
          "",
          null,
        ),
      );
    }

    log("the cost of one spawn");
    const spawnMs = await measureSpawn("cat", [], BENCH_MESSAGE);
    const budget = echoEmpty!.sequential.p50Ms + spawnMs;
    rows.push(
      latencyRow("Exec round trip p50 (cat) vs echo + one spawn", RUNTIME, exec!.sequential.p50Ms, budget, 1),
    );
    notes.push(
      `Exec budget: echo round trip via the connector ${fmt.ms(echoEmpty!.sequential.p50Ms)} + spawning \`cat\` alone, from a fresh Node process ${fmt.ms(spawnMs)} = ${fmt.ms(budget)}.`,
    );
    rows.push(
      latencyRow(
        "Round trip p50, gateway + bare protocol client (for reference)",
        RUNTIME,
        bare!.sequential.p50Ms,
        floor!.sequential.p50Ms,
        1.25,
      ),
    );

    log("streaming, taking turns: gateway with the bare client, gateway via the connector (echo --chunks)");
    const [bareStreaming, streamed] = await measureOnAll(
      [
        () => startGatewayTarget(RUNTIME),
        connector("echo --chunks", empty, ["echo", "--chunks", String(STREAMING.chunks)]),
      ],
      async ([bareTarget, echoTarget]) => {
        const clients = [
          httpClient(bareTarget!.url, bareTarget!.token, 1),
          httpClient(echoTarget!.url, echoTarget!.token, 1),
        ];
        try {
          return await mediansInTurns([
            () => streamOnce(bareTarget!, clients[0]!),
            () => echoStreamOnce(echoTarget!, clients[1]!),
          ]);
        } finally {
          for (const client of clients) client.close();
        }
      },
    );
    rows.push(
      throughputRow(
        "Stream chunks/s via connector (echo --chunks) vs bare client",
        RUNTIME,
        streamed!.chunksPerSecond,
        bareStreaming!.chunksPerSecond,
        fmt.perSecond,
      ),
    );
  } finally {
    install.remove();
    rmSync(empty, { recursive: true, force: true });
    if (!hadState) rmSync(join(ROOT, ".agent-mesh"), { recursive: true, force: true });
  }
  const method = [
    `Connector rows: \`npm run build:connector\`, the tarball installed with npm into an empty folder with its own HOME; every CLI run is that install's bin on Node (no TypeScript loader). Cold start: wall time from spawn to exit, median of ${COLD_START.runs} after ${COLD_START.warmup} warm-ups. Round trips: the ${RUNTIME} gateway (memory store) with \`agent-mesh connect echo\` (or \`exec -- cat\`) connected, same load as the relay rows (sequential p50/p99); the floor is the ${RUNTIME} floor relay with the bare protocol client. The floor, the gateway with the bare protocol client and the three connectors (echo in an empty project, echo in this repository, exec cat) run side by side and take turns in ${ROUND_TRIP.slices} slices, warm-up included, as the relay rows do. "This repository as project": --project is the repository root (dozens of entries, a large node_modules). Streaming via connector: \`connect echo --chunks ${STREAMING.chunks}\` echoing a 160-byte message; bare client: the bench agent streaming ${STREAMING.chunks} chunks of 64–256 bytes on another gateway of the same runtime; the two take turns, one run each, ${STREAMING.runs} runs after a warm-up, and each row is a median. The two loads differ at the end: like every adapter, echo finishes with the whole text as its result, which the \`done\` event carries (as many bytes again as the chunks), where the bench agent finishes with "ok". Connector footprint: ms from starting \`agent-mesh connect\` (already logged in, the gateway up) until it printed that it was connected, one start each; its VmRSS after its round trips, read before it stops; the floor column is \`node -e 0\`'s cold start, for scale.`,
  ];
  return { rows, notes, method };
}
