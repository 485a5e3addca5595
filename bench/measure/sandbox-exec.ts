/**
 * The sandbox's added cost per request: an `exec` agent (`cat`, the message on stdin and back) driven through
 * runAgentRequest (queue, workspace, snapshot, process) in this process, without and with `--sandbox`, on the
 * same project. Sequential calls after a warm-up; the unsandboxed run is the floor.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdapter } from "../../connector/src/agents/index.ts";
import type { ProcessSandbox } from "../../connector/src/agents/types.ts";
import { createAgentRuntime, runAgentRequest } from "../../connector/src/runtime/run-request.ts";
import { startSandbox } from "../../connector/src/sandbox/sandbox.ts";
import { type LatencyStats, measureLatency } from "../lib/http-load.ts";

export const SANDBOX_EXEC = { warmup: 20, requests: 200, maxMs: 10_000 };

export interface SandboxExecResult {
  plain: LatencyStats;
  sandboxed: LatencyStats;
}

export async function measureSandboxExec(): Promise<SandboxExecResult> {
  const project = await mkdtemp(join(tmpdir(), "agent-mesh-bench-sandbox-"));
  try {
    const plain = await measure(project, undefined);
    const sandboxed = await measure(project, await startSandbox({ agentType: "exec", projectDir: project }));
    return { plain, sandboxed };
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

async function measure(project: string, processSandbox: ProcessSandbox | undefined): Promise<LatencyStats> {
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
  await measureLatency(send, { requests: SANDBOX_EXEC.warmup, concurrency: 1, maxMs: SANDBOX_EXEC.maxMs });
  return measureLatency(send, { ...SANDBOX_EXEC, concurrency: 1 });
}
