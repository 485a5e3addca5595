/**
 * The sandbox's added cost per request: an `exec` agent (`cat`, the message on stdin and back) driven through
 * runAgentRequest (queue, workspace, snapshot, process) in this process, without and with `--sandbox`, on the
 * same project. Sequential calls after a warm-up; the unsandboxed run is the floor.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createAdapter } from "../../connector/src/agents/index.ts";
import type { ProcessSandbox } from "../../connector/src/agents/types.ts";
import { createAgentRuntime, runAgentRequest } from "../../connector/src/runtime/run-request.ts";
import { startSandbox } from "../../connector/src/sandbox/sandbox.ts";

export const SANDBOX_EXEC = { warmup: 20, requests: 200, maxMs: 10_000 };

export interface ExecLatency {
  p50Ms: number;
  p99Ms: number;
  /** The fastest call: close to the uncontended cost on a busy machine. */
  minMs: number;
}

export interface SandboxExecResult {
  plain: ExecLatency;
  sandboxed: ExecLatency;
  /** 1-minute load average when the run ended (the machine is shared; process starts suffer most). */
  loadAverage: number;
}

export async function measureSandboxExec(): Promise<SandboxExecResult> {
  const project = await mkdtemp(join(tmpdir(), "agent-mesh-bench-sandbox-"));
  try {
    const plain = await measure(project, undefined);
    const sandboxed = await measure(project, await startSandbox({ agentType: "exec", projectDir: project }));
    return { plain, sandboxed, loadAverage: loadavg()[0] ?? Number.NaN };
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

async function measure(project: string, processSandbox: ProcessSandbox | undefined): Promise<ExecLatency> {
  const runtime = createAgentRuntime({
    agent: "bench",
    adapter: createAdapter("exec", { command: "cat", processSandbox }),
    projectDir: project,
  });
  const clientId = "b".repeat(32);
  const send = async () => {
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
  for (let i = 0; i < SANDBOX_EXEC.warmup; i++) await send();
  const samples: number[] = [];
  const stopAt = performance.now() + SANDBOX_EXEC.maxMs;
  while (samples.length < SANDBOX_EXEC.requests && performance.now() < stopAt) {
    const started = performance.now();
    await send();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), minMs: samples[0]! };
}
