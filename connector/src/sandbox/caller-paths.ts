/**
 * Where a sandboxed caller's private state lives: `<project>/.agent-mesh/sandbox/<clientId>/{home,tmp}`, next to
 * (not inside) its workspace `<project>/.agent-mesh/clients/<clientId>/`, so neither the agent's state nor its
 * temp files come back as attachments. Each caller gets its own HOME (the agent's state: sessions, caches,
 * its copy of the owner's agent settings) and its own TMPDIR; no caller can read another's.
 * @module
 */
import { mkdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { AgentRunError } from "../agents/types.ts";

export interface CallerSandboxPaths {
  /** The project the workspace belongs to. */
  project: string;
  /** `<project>/.agent-mesh`: every caller's workspace and state, and the connector's own files. */
  stateDir: string;
  workspace: string;
  /** The caller's HOME inside the sandbox (agent state). */
  home: string;
  /** The caller's TMPDIR inside the sandbox. */
  tmp: string;
}

/** Derives the caller's paths from its workspace (the layout of `workspace/prepare.ts`) and creates them. */
export async function callerSandboxPaths(workspace: string, clientId: string): Promise<CallerSandboxPaths> {
  const clients = dirname(workspace);
  if (basename(workspace) !== clientId || basename(clients) !== "clients") {
    throw new AgentRunError(
      "adapter_failed",
      `sandbox: ${workspace} is not a caller workspace (<project>/.agent-mesh/clients/<client id>); refusing to run.`,
    );
  }
  const stateDir = dirname(clients);
  const own = join(stateDir, "sandbox", clientId);
  const paths = {
    project: dirname(stateDir),
    stateDir,
    workspace,
    home: join(own, "home"),
    tmp: join(own, "tmp"),
  };
  await mkdir(paths.home, { recursive: true, mode: 0o700 });
  await mkdir(paths.tmp, { recursive: true, mode: 0o700 });
  return paths;
}
