/**
 * The connector package's root folder (the one holding `bin/agent-mesh.mjs`), found by walking up from this
 * module: `connector/` in a source checkout (this file is `src/package-root.ts`), the install folder once
 * bundled (the code then sits in `<root>/dist/`).
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "bin", "agent-mesh.mjs"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("agent-mesh: cannot find the package's bin/agent-mesh.mjs");
    dir = parent;
  }
}

export const PACKAGE_ROOT = findRoot();

/** The CLI entry, for spawning background connectors. */
export const BIN_PATH = join(PACKAGE_ROOT, "bin", "agent-mesh.mjs");

/** True when running from an installed package (prebuilt `dist/`, no sources). */
export const FROM_INSTALL = !existsSync(join(PACKAGE_ROOT, "src"));
