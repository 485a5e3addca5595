/**
 * The sandbox's added cost per request: an `exec` agent (`cat`, the message on stdin and back) driven through
 * runAgentRequest (queue, workspace, snapshot, process) in a fresh Node process, without and with `--sandbox`, on the
 * same project. Sequential calls after a warm-up, the two taking turns; the unsandboxed run is the floor.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createAdapter } from "../../connector/src/agents/index.ts";
import type { ProcessSandbox } from "../../connector/src/agents/types.ts";
import { createAgentRuntime, runAgentRequest } from "../../connector/src/runtime/run-request.ts";
import { startSandbox } from "../../connector/src/sandbox/sandbox.ts";
import { type LatencyStats, measureLatencyInTurns } from "../lib/http-load.ts";
import { ROOT } from "../lib/processes.ts";

export const SANDBOX_EXEC = { warmup: 20, requests: 200, maxMs: 10_000, slices: 10 };

export interface SandboxExecResult {
  plain: LatencyStats;
  sandboxed: LatencyStats;
  /** 1-minute load average when the run ended (the machine is shared; process starts suffer most). */
  loadAverage: number;
}

/**
 * Measured in a fresh Node process, as spawn-cost.ts measures its spawn: every sandboxed call starts several
 * processes (a `which`, ripgrep, bubblewrap), and a fork costs more the more memory its parent holds. Measured
 * in this bench's own process late in a full run, the fastest sandboxed call took 57 ms, against 28 ms in a run
 * of this section alone; the connector that really starts them is a small process.
 */
export async function measureSandboxExec(): Promise<SandboxExecResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", import.meta.filename], {
    cwd: ROOT,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as SandboxExecResult;
}

async function measureHere(): Promise<SandboxExecResult> {
  const project = await mkdtemp(join(tmpdir(), "agent-mesh-bench-sandbox-"));
  try {
    const plain = execSender(project, undefined);
    const sandboxed = execSender(project, await startSandbox({ agentType: "exec", projectDir: project }));
    // Warmed up and measured taking turns: one after the other, the plain and the sandboxed calls met different
    // minutes of a shared machine, where starting processes suffers most.
    const { warmup, slices, requests, maxMs } = SANDBOX_EXEC;
    await measureLatencyInTurns([plain, sandboxed], { requests: warmup, concurrency: 1, maxMs, slices });
    const [plainLatency, sandboxedLatency] = await measureLatencyInTurns([plain, sandboxed], {
      requests,
      concurrency: 1,
      maxMs,
      slices,
    });
    return { plain: plainLatency!, sandboxed: sandboxedLatency!, loadAverage: loadavg()[0] ?? Number.NaN };
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

/** One exec round trip through runAgentRequest, sandboxed or not; throws unless the message came back. */
function execSender(project: string, processSandbox: ProcessSandbox | undefined): () => Promise<void> {
  const runtime = createAgentRuntime({
    agent: "bench",
    adapter: createAdapter("exec", { command: "cat", processSandbox }),
    projectDir: project,
  });
  const clientId = "b".repeat(32);
  return async () => {
    const message = "hello from the bench";
    let answer: string | undefined;
    let failure: string | undefined;
    await runAgentRequest(
      runtime,
      { id: "r", session_id: "s", client_id: clientId, message },
      {
        onChunk: () => {},
        onDone: (result) => {
          answer = result;
        },
        onError: (code, text) => {
          failure = `${code}: ${text}`;
        },
      },
    );
    if (answer !== message) throw new Error(`exec round trip failed: ${failure ?? answer}`);
  };
}

if (process.argv[1] === import.meta.filename) {
  console.log(JSON.stringify(await measureHere()));
  // The sandbox runtime's proxies would keep this process alive.
  process.exit(0);
}
