/**
 * Caller workspaces prepared once and refreshed on change, instead of relinking the project on every request.
 * A workspace is up to date while neither the project's top level nor the workspace's own top level changed:
 * adding, removing or renaming an entry changes its directory's mtime, so two `stat` calls tell. A directory
 * changed within the last moment is not trusted (file-system timestamps are coarse: a change in the same tick
 * as our look would keep the same mtime), so the next request looks again.
 * @module
 */
import { statSync } from "node:fs";
import { prepareWorkspace, workspacePath } from "./prepare.ts";

/** Younger mtimes may still change within the same timestamp tick. */
const SETTLE_MS = 100;
/** Forget everything beyond this many callers (a cache miss only costs one prepare). */
const MAX_ENTRIES = 10_000;

export class WorkspaceCache {
  readonly projectDir: string;
  readonly #prepared = new Map<string, string>();

  constructor(projectDir: string) {
    this.projectDir = projectDir;
  }

  /** The caller's workspace, (re)created if the project or the workspace changed since it was last prepared. */
  async workspace(clientId: string): Promise<string> {
    const dir = workspacePath(this.projectDir, clientId);
    const known = this.#prepared.get(clientId);
    if (known !== undefined && this.#fingerprint(dir) === known) return dir;
    this.#prepared.delete(clientId);
    await prepareWorkspace(this.projectDir, clientId);
    const settled = this.#fingerprint(dir, Date.now() - SETTLE_MS);
    if (settled !== undefined) {
      if (this.#prepared.size >= MAX_ENTRIES) this.#prepared.clear();
      this.#prepared.set(clientId, settled);
    }
    return dir;
  }

  /**
   * Identity and mtime of both directories; undefined if one is missing or changed after `settledBefore`.
   * Synchronous on purpose: two stats of local directories take microseconds, a trip through the thread pool
   * costs more than that on every request.
   */
  #fingerprint(dir: string, settledBefore?: number): string | undefined {
    const project = statSync(this.projectDir, { bigint: true, throwIfNoEntry: false });
    const workspace = statSync(dir, { bigint: true, throwIfNoEntry: false });
    if (!project || !workspace) return undefined;
    if (settledBefore !== undefined) {
      const limit = BigInt(settledBefore) * 1_000_000n;
      if (project.mtimeNs > limit || workspace.mtimeNs > limit) return undefined;
    }
    return `${project.dev}:${project.ino}:${project.mtimeNs}|${workspace.dev}:${workspace.ino}:${workspace.mtimeNs}`;
  }
}
