/**
 * Built-in agent that spawns nothing and streams the message straight back. With `chunks: n` it streams the
 * message n times as n chunks, reusing one chunk object, which makes it the benchmark load generator.
 * @module
 */
import { canceledError } from "./process.ts";
import type { AgentAdapter, AgentChunk, AgentRunRequest, AgentRunResult } from "./types.ts";

export interface EchoAdapterOptions {
  /** How many times the message is streamed (one chunk each). Default 1. */
  chunks?: number;
}

/** Yield to the event loop this often so a cancel (or socket backpressure) can be noticed. */
const YIELD_EVERY = 1_000;

export function createEchoAdapter(options: EchoAdapterOptions = {}): AgentAdapter {
  const count = Math.max(1, Math.floor(options.chunks ?? 1));
  return {
    type: "echo",
    writesFiles: false,
    check: async () => {},
    async run(request: AgentRunRequest, emit: (chunk: AgentChunk) => void): Promise<AgentRunResult> {
      const chunk: AgentChunk = { kind: "text", delta: request.message };
      for (let i = 0; i < count; i++) {
        if (request.signal.aborted) throw canceledError("echo");
        emit(chunk);
        if ((i + 1) % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      if (request.signal.aborted) throw canceledError("echo");
      return { result: count === 1 ? request.message : request.message.repeat(count) };
    },
  };
}
