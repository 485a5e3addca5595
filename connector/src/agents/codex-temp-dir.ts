/**
 * Why codex commands failed wherever Debian's bubblewrap is installed, and the fix.
 *
 * Codex runs each shell command through its Linux sandbox helper: it prefers a `bwrap` found on PATH over the
 * copy it bundles, and the system bwrap re-executes the helper **by name** (`codex-linux-sandbox`), which Codex
 * makes resolvable by creating alias links under `$CODEX_HOME/tmp/arg0-*` and putting them on PATH. Codex
 * refuses to create those aliases when CODEX_HOME lies inside the temp directory it sees (`$TMPDIR`, else
 * `/tmp`) — it only warns "could not create PATH aliases" — so every command then fails with
 * `bwrap: execvp codex-linux-sandbox: No such file or directory`, reported to the model as the command's output
 * (no `command_execution` item, no file written). The bundled bwrap does not need the alias, which is why the
 * same run works once `/usr/bin/bwrap` is gone. Verified with codex 0.169.0 and bubblewrap 0.8.0.
 *
 * Fix: when CODEX_HOME is inside that temp directory, give codex a TMPDIR inside CODEX_HOME instead, so its home
 * is no longer "under the temp dir" and the aliases are created. Nothing changes for a CODEX_HOME elsewhere.
 * @module
 */
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative, resolve } from "node:path";

export const CODEX_TEMP_SUBDIR = join("tmp", "agent-mesh");

/** Extra environment codex needs so its sandbox helper can be found; undefined when nothing is needed. */
export function codexTempDirEnv(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const codexHome = resolve(env.CODEX_HOME || join(env.HOME || homedir(), ".codex"));
  const tempDir = resolve(env.TMPDIR || "/tmp");
  const inside = relative(tempDir, codexHome);
  if (inside.startsWith("..") || resolve(tempDir, inside) !== codexHome) return undefined;
  const own = join(codexHome, CODEX_TEMP_SUBDIR);
  mkdirSync(own, { recursive: true, mode: 0o700 });
  return { TMPDIR: own };
}
