/**
 * Runs any command (no shell): the message goes to stdin, stdout streams back as text chunks as it arrives.
 * Exit 0 → the result is all of stdout; anything else → `adapter_failed` with the tail of stderr.
 * The command sees AGENT_MESH_SESSION_ID, AGENT_MESH_CLIENT_ID and AGENT_MESH_REQUEST_ID.
 * @module
 */
import { DEFAULT_IDLE_TIMEOUT_MS, describeExit, runEnv, runProcess, sandboxFor } from "./process.ts";
import { resolveBinary } from "./resolve-binary.ts";
import { type AgentAdapter, AgentRunError, type ProcessAdapterOptions } from "./types.ts";

export interface ExecAdapterOptions extends ProcessAdapterOptions {
  /** The program to run (name on PATH or a path). Required. */
  command: string;
}

export function createExecAdapter(options: ExecAdapterOptions): AgentAdapter {
  if (!options.command) throw new AgentRunError("adapter_missing", "The exec adapter needs a `command`.");
  const label = options.command;
  return {
    type: "exec",
    check: async () => {
      await resolveBinary(options.command);
    },
    async run(request, emit) {
      const command = await resolveBinary(options.command);
      let stdout = "";
      const outcome = await runProcess({
        command,
        args: options.args ?? [],
        cwd: request.cwd,
        env: runEnv(options.env, request),
        stdin: request.message,
        signal: request.signal,
        idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
        label,
        sandbox: sandboxFor(options, request),
        onStdout: (text) => {
          stdout += text;
          emit({ kind: "text", delta: text });
        },
      });
      if (outcome.exitCode !== 0) throw new AgentRunError("adapter_failed", describeExit(label, outcome));
      return { result: stdout };
    },
  };
}
