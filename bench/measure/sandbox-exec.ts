/**
 * The sandbox's added cost per request, on the path users take: `agent-mesh connect exec --sandbox -- cat` from the
 * installed package (connector-install.ts) against `agent-mesh connect exec -- cat`, each connected to a Bun gateway
 * of its own, the caller's message on `cat`'s stdin and back. Sequential calls after a warm-up, the two taking
 * turns; the plain connector is the floor, so the gateway and HTTP count on both sides.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { installConnector } from "../lib/connector-install.ts";
import { startConnectorTarget } from "../lib/connector-target.ts";
import { type HttpClient, httpClient, type LatencyStats, measureLatencyInTurns } from "../lib/http-load.ts";
import { readRssKb } from "../lib/processes.ts";
import type { RelayTarget } from "../lib/relay-target.ts";

export const SANDBOX_EXEC = { warmup: 20, requests: 200, maxMs: 10_000, slices: 10 };

export interface SandboxExecResult {
  plain: LatencyStats;
  sandboxed: LatencyStats;
  /**
   * Each connector's resident memory after the calls, in MB: every sandboxed call forks the connector three times
   * (the runtime's `which` and ripgrep, then bubblewrap), and on Linux a fork costs more the more its parent holds
   * (docs/adapters.md, exec).
   */
  plainRssMb: number;
  sandboxedRssMb: number;
  /** 1-minute load average when the run ended (the machine is shared; process starts suffer most). */
  loadAverage: number;
}

export async function measureSandboxExec(): Promise<SandboxExecResult> {
  const install = installConnector();
  const project = mkdtempSync(join(tmpdir(), "agent-mesh-bench-sandbox-"));
  const targets: RelayTarget[] = [];
  const clients: HttpClient[] = [];
  try {
    targets.push(
      await startConnectorTarget("bun", install, { connect: ["exec", "--", "cat"], project, label: "exec" }),
      await startConnectorTarget("bun", install, {
        connect: ["exec", "--sandbox", "--", "cat"],
        project,
        label: "exec --sandbox",
      }),
    );
    const sends = targets.map((target) => {
      const client = httpClient(target.url, target.token, 1);
      clients.push(client);
      return execSender(target, client);
    });
    const { warmup, slices, requests, maxMs } = SANDBOX_EXEC;
    await measureLatencyInTurns(sends, { requests: warmup, concurrency: 1, maxMs, slices });
    const [plain, sandboxed] = await measureLatencyInTurns(sends, {
      requests,
      concurrency: 1,
      maxMs,
      slices,
    });
    const [plainRssMb, sandboxedRssMb] = await Promise.all(
      targets.map(async (target) => (await readRssKb(target.agentPid!)) / 1024),
    );
    return {
      plain: plain!,
      sandboxed: sandboxed!,
      plainRssMb: plainRssMb!,
      sandboxedRssMb: sandboxedRssMb!,
      loadAverage: loadavg()[0] ?? Number.NaN,
    };
  } finally {
    for (const client of clients) client.close();
    for (const target of targets) await target.stop();
    install.remove();
    rmSync(project, { recursive: true, force: true });
  }
}

/** One exec round trip over HTTP (a JSON call); throws unless the message came back. */
function execSender(target: RelayTarget, client: HttpClient): () => Promise<void> {
  const message = "hello from the bench";
  const body = JSON.stringify({ message });
  return async () => {
    const res = await client.post(target.messagesPath, body);
    const answer =
      res.status === 200 ? (JSON.parse(res.body.toString()) as { result?: unknown }).result : null;
    if (answer !== message) throw new Error(`exec round trip failed: ${res.status} ${res.body.toString()}`);
  };
}
