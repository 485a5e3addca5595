/**
 * Shared test plumbing for the connector runtime suites: temp projects, isolated HOME dirs, real agent binaries
 * from tests/agents, and a recorder for runAgentRequest callbacks.
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import type { AgentRequestCallbacks } from "../../connector/src/runtime/run-request.ts";
import type { WorkspaceFile } from "../../connector/src/workspace/snapshot.ts";
import type { ChunkKind } from "../../gateway/src/protocol/index.ts";
import { processStat } from "../helpers/process-stat.ts";

export const AGENT_BIN = resolve(import.meta.dirname, "../agents/node_modules/.bin");

/** Path of a real agent binary; fails loudly (with the install command) if tests/agents was not installed. */
/** The environment that runs the pinned `claude` against a fake Messages API on loopback. */
export function fakeClaudeEnv(fakeUrl: string): Record<string, string> {
  return {
    PATH: `${AGENT_BIN}${delimiter}${process.env.PATH}`,
    ANTHROPIC_BASE_URL: fakeUrl,
    ANTHROPIC_API_KEY: "dummy",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
  };
}

export function agentBinary(name: "claude" | "codex" | "gemini"): string {
  const path = join(AGENT_BIN, name);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run \`npm ci --prefix tests/agents --no-audit --no-fund\` first.`);
  }
  return path;
}

const cleanup: string[] = [];

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `agent-mesh-${prefix}-`));
  cleanup.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(cleanup.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A small project with agent instruction files and some code. */
export async function makeProject(): Promise<string> {
  const dir = await tempDir("project");
  await writeFile(join(dir, "CLAUDE.md"), "# Project rules\n");
  await writeFile(join(dir, "AGENTS.md"), "# Agent rules\n");
  await writeFile(join(dir, ".env"), "SECRET=1\n");
  await mkdir(join(dir, "src"));
  await writeFile(join(dir, "src", "index.ts"), "export const x = 1;\n");
  await mkdir(join(dir, "node_modules"));
  await mkdir(join(dir, ".git"));
  return dir;
}

export function randomClientId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface Recorded {
  chunks: { kind: ChunkKind; delta: string }[];
  done?: { result: string; attachments: WorkspaceFile[] };
  error?: { code: string; message: string };
  verdicts: number;
  text(): string;
  kinds(kind: ChunkKind): string[];
}

export function recorder(): { callbacks: AgentRequestCallbacks; rec: Recorded } {
  const rec: Recorded = {
    chunks: [],
    verdicts: 0,
    text: () => rec.kinds("text").join(""),
    kinds: (kind) => rec.chunks.filter((c) => c.kind === kind).map((c) => c.delta),
  };
  return {
    rec,
    callbacks: {
      onChunk: (kind, delta) => {
        if (rec.verdicts) throw new Error("chunk after the final verdict");
        rec.chunks.push({ kind, delta });
      },
      onDone: (result, attachments) => {
        rec.verdicts++;
        rec.done = { result, attachments };
      },
      onError: (code, message) => {
        rec.verdicts++;
        rec.error = { code, message };
      },
    },
  };
}

/** True when no process with this pid exists any more (a zombie awaiting its reaper counts as gone). */
export function processGone(pid: number): boolean {
  const stat = processStat(pid);
  return stat === undefined || stat.state === "Z";
}

export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}
