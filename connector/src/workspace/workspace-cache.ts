/**
 * Caller workspaces prepared once and refreshed on change, instead of relinking the project on every request.
 *
 * - The project's top level is watched (`fs.watch`): adding, removing or renaming an entry forgets every prepared
 *   workspace. Where watching is not possible, each request compares the project directory's mtime instead.
 * - The workspace's own top level can only change through the caller's agent (or a person): a request whose
 *   adapter may write files compares the workspace directory's identity and mtime with what it was when last
 *   prepared (one `stat`); adapters that write nothing skip even that.
 *
 * A directory changed within the last moment is not trusted (file-system timestamps are coarse: a change in the
 * same tick as our look would keep the same mtime), so the next request looks again.
 * @module
 */
import { type BigIntStats, type FSWatcher, statSync, watch } from "node:fs";
import { prepareWorkspace, workspacePath } from "./prepare.ts";

/** Younger mtimes may still change within the same timestamp tick. */
const SETTLE_MS = 100;
/** Forget everything beyond this many callers (a cache miss only costs one prepare). */
const MAX_ENTRIES = 10_000;

interface Prepared {
  /** The workspace directory's identity and mtime after preparing. */
  workspace: string;
  /** The project directory's, when it is not watched. */
  project?: string;
}

export class WorkspaceCache {
  readonly projectDir: string;
  readonly #prepared = new Map<string, Prepared>();
  #watcher: FSWatcher | undefined;

  constructor(projectDir: string) {
    this.projectDir = projectDir;
    try {
      this.#watcher = watch(projectDir, { persistent: false }, () => this.#prepared.clear());
      this.#watcher.on("error", () => this.#unwatch());
    } catch {
      this.#watcher = undefined; // no watching here: compare the project's mtime per request instead
    }
  }

  /**
   * The caller's workspace, (re)created if the project or the workspace changed since it was last prepared.
   * `checkWorkspace: false` trusts the workspace's own top level (the adapter writes no files).
   */
  async workspace(clientId: string, checkWorkspace = true): Promise<string> {
    const dir = workspacePath(this.projectDir, clientId);
    const known = this.#prepared.get(clientId);
    if (known && this.#fresh(known, dir, checkWorkspace)) return dir;
    this.#prepared.delete(clientId);
    await prepareWorkspace(this.projectDir, clientId);
    const settledBefore = Date.now() - SETTLE_MS;
    const workspace = fingerprint(statSync(dir, { bigint: true, throwIfNoEntry: false }), settledBefore);
    const project = this.#watcher
      ? undefined
      : fingerprint(statSync(this.projectDir, { bigint: true, throwIfNoEntry: false }), settledBefore);
    if (workspace !== undefined && (this.#watcher || project !== undefined)) {
      if (this.#prepared.size >= MAX_ENTRIES) this.#prepared.clear();
      this.#prepared.set(clientId, { workspace, project });
    }
    return dir;
  }

  /** Stops watching the project. */
  close(): void {
    this.#unwatch();
  }

  #fresh(known: Prepared, dir: string, checkWorkspace: boolean): boolean {
    if (!this.#watcher) {
      const project = fingerprint(statSync(this.projectDir, { bigint: true, throwIfNoEntry: false }));
      if (project === undefined || project !== known.project) return false;
    }
    if (!checkWorkspace) return true;
    return fingerprint(statSync(dir, { bigint: true, throwIfNoEntry: false })) === known.workspace;
  }

  #unwatch(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#prepared.clear(); // entries recorded without the project's mtime must be checked afresh
  }
}

/** Identity and mtime; undefined when missing or (given `settledBefore`, ms) changed too recently to trust. */
function fingerprint(stat: BigIntStats | undefined, settledBefore?: number): string | undefined {
  if (!stat) return undefined;
  if (settledBefore !== undefined && stat.mtimeNs > BigInt(settledBefore) * 1_000_000n) return undefined;
  return `${stat.dev}:${stat.ino}:${stat.mtimeNs}`;
}
