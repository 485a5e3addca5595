/**
 * Runs one agent process per turn: no shell, the message on stdin, output streamed as it arrives.
 * The process gets its own process group (detached) so cancel and the idle timeout kill everything it
 * started, not just the launcher (codex and gemini are Node launchers around the real program).
 * @module
 */
import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import {
  AgentRunError,
  type AgentRunRequest,
  type ProcessAdapterOptions,
  type ProcessSandbox,
} from "./types.ts";

export const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;
/** After SIGTERM, the group gets this long before SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** After the main process exits, wait this long for its pipes to drain (a grandchild may hold them open). */
const DRAIN_MS = 2_000;
const STDERR_TAIL_CHARS = 4_096;

export interface ProcessSpec {
  /** Resolved binary path. */
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed. */
  stdin: string;
  signal: AbortSignal;
  idleTimeoutMs: number;
  /** Raw stdout text as it arrives (UTF-8 boundaries respected). */
  onStdout?: (text: string) => void;
  /** Complete stdout lines (without the newline), for JSONL speakers. */
  onLine?: (line: string) => void;
  /** Human label for messages ("claude"). */
  label: string;
  /** Confine the process (and everything it starts) in this sandbox; the caller is `clientId`. */
  sandbox?: { runner: ProcessSandbox; clientId: string; readOnlyWorkspace?: boolean };
}

export interface ProcessOutcome {
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stderrTail: string;
}

/**
 * Resolves when the process has exited (whatever its exit code); rejects with `canceled`, `agent_timeout`
 * or `adapter_missing`/`adapter_failed` when it could not be started.
 */
export async function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  if (!spec.sandbox) return spawnProcess(spec);
  if (spec.signal.aborted) throw canceledError(spec.label);
  const { runner, clientId, readOnlyWorkspace } = spec.sandbox;
  const launch = await runner.wrap({
    command: spec.command,
    args: spec.args,
    env: spec.env,
    cwd: spec.cwd,
    clientId,
    readOnlyWorkspace,
  });
  try {
    return await spawnProcess({ ...spec, command: launch.command, args: launch.args, env: launch.env });
  } finally {
    launch.release();
  }
}

function spawnProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  return new Promise<ProcessOutcome>((resolvePromise, rejectPromise) => {
    if (spec.signal.aborted) return rejectPromise(canceledError(spec.label));
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderrTail = "";
    let lineBuffer = "";
    let failure: AgentRunError | undefined;
    let settled = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const decoder = new StringDecoder("utf8");

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is already gone
      }
    };
    const stop = (error: AgentRunError) => {
      if (failure) return;
      failure = error;
      killGroup("SIGTERM");
      // Escalate even if the leader exits: a grandchild may ignore SIGTERM.
      setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS).unref();
    };
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(
        () =>
          stop(
            new AgentRunError(
              "agent_timeout",
              `${spec.label} produced no output for ${spec.idleTimeoutMs} ms and was stopped.`,
            ),
          ),
        spec.idleTimeoutMs,
      );
    };
    const onAbort = () => stop(canceledError(spec.label));
    const finish = (exitCode: number | null, exitSignal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(idleTimer);
      clearTimeout(drainTimer);
      spec.signal.removeEventListener("abort", onAbort);
      const rest = decoder.end();
      if (rest) deliver(rest);
      if (lineBuffer && spec.onLine) spec.onLine(lineBuffer);
      lineBuffer = "";
      if (failure) return rejectPromise(failure);
      resolvePromise({ exitCode, exitSignal, stderrTail });
    };
    const deliver = (text: string) => {
      spec.onStdout?.(text);
      if (!spec.onLine) return;
      lineBuffer += text;
      let newline = lineBuffer.indexOf("\n");
      while (newline !== -1) {
        const line = lineBuffer.slice(0, newline);
        lineBuffer = lineBuffer.slice(newline + 1);
        if (line.trim()) spec.onLine(line);
        newline = lineBuffer.indexOf("\n");
      }
    };

    spec.signal.addEventListener("abort", onAbort, { once: true });
    armIdle();
    child.stdout.on("data", (data: Buffer) => {
      armIdle();
      if (failure) return;
      deliver(decoder.write(data));
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      armIdle();
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    // A process that exits without reading its stdin makes the write fail with EPIPE: not our failure.
    child.stdin.on("error", () => {});
    child.stdin.end(spec.stdin);
    child.on("error", (error: NodeJS.ErrnoException) => {
      failure ??=
        error.code === "ENOENT"
          ? new AgentRunError("adapter_missing", `${spec.label}: \`${spec.command}\` was not found.`)
          : new AgentRunError("adapter_failed", `${spec.label} could not be started: ${error.message}`);
      finish(null, null);
    });
    child.on("exit", (code, signal) => {
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, DRAIN_MS);
    });
    child.on("close", (code: number | null, signal: NodeJS.Signals | null) => finish(code, signal));
  });
}

export function canceledError(label: string): AgentRunError {
  return new AgentRunError("canceled", `${label}: the request was canceled.`);
}

/** Builds the environment of one run: process env, adapter env, request env, then our request identifiers. */
export function runEnv(
  adapterEnv: Record<string, string> | undefined,
  request: { env?: Record<string, string>; sessionId: string; clientId: string; requestId: string },
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...adapterEnv,
    ...request.env,
    AGENT_MESH_SESSION_ID: request.sessionId,
    AGENT_MESH_CLIENT_ID: request.clientId,
    AGENT_MESH_REQUEST_ID: request.requestId,
  };
}

/** Last lines of stderr, trimmed, for an error message a person can act on. */
export function describeExit(label: string, outcome: ProcessOutcome): string {
  const how = outcome.exitSignal
    ? `was killed by ${outcome.exitSignal}`
    : `exited with code ${outcome.exitCode}`;
  const tail = outcome.stderrTail.trim().split("\n").slice(-10).join("\n");
  return tail ? `${label} ${how}: ${tail}` : `${label} ${how} (no stderr).`;
}

/**
 * One turn of a CLI agent that prints JSON lines (claude, codex, gemini): the message on stdin, in the caller's
 * workspace, with the adapter's environment and idle limit; every stdout line goes to `onLine`.
 */
export function runAgentCli(
  label: string,
  command: string,
  args: string[],
  request: AgentRunRequest,
  options: ProcessAdapterOptions,
  onLine: (line: string) => void,
  extra: { env?: Record<string, string>; readOnlyWorkspace?: boolean } = {},
): Promise<ProcessOutcome> {
  return runProcess({
    command,
    args,
    cwd: request.cwd,
    env: { ...runEnv(options.env, request), ...extra.env },
    stdin: request.message,
    signal: request.signal,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    label,
    onLine,
    sandbox: sandboxFor(options, request, extra.readOnlyWorkspace),
  });
}

/** The sandbox part of a ProcessSpec, when the adapter was given one. */
export function sandboxFor(
  options: ProcessAdapterOptions,
  request: AgentRunRequest,
  readOnlyWorkspace = false,
): ProcessSpec["sandbox"] {
  return options.processSandbox
    ? { runner: options.processSandbox, clientId: request.clientId, readOnlyWorkspace }
    : undefined;
}
