/**
 * `npm run build:connector`: bundles the CLI into plain JavaScript (esbuild; every dependency inlined, so the
 * package installs with no dependency of its own) and packs it with `npm pack` into
 * `connector/tarball/agent-mesh-<version>.tgz`, the file gateways serve at `/dl/`. Reproducible: esbuild's
 * output is deterministic and npm pack fixes entry order and mtimes, so the same sources give the same bytes.
 *
 *   npm run build:connector            # prints the tarball path, size and sha256
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { connectorFileName } from "../../gateway/src/connector-package.ts";
import { VERSION } from "../../gateway/src/version.ts";

const CONNECTOR = resolve(import.meta.dirname, "..");
const DIST = join(CONNECTOR, "dist");
export const TARBALL_DIR = join(CONNECTOR, "tarball");

const manifest = JSON.parse(readFileSync(join(CONNECTOR, "package.json"), "utf8")) as { version: string };
if (manifest.version !== VERSION) {
  console.error(
    `connector/package.json says ${manifest.version} but gateway/src/version.ts says ${VERSION}; make them agree.`,
  );
  process.exit(1);
}

rmSync(DIST, { recursive: true, force: true });
await build({
  entryPoints: { "agent-mesh": join(CONNECTOR, "src/cli/main.ts") },
  outdir: DIST,
  bundle: true,
  // Each command's module is its own chunk, loaded only when that command runs (fast --version and --help).
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  entryNames: "[name]",
  chunkNames: "[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  minify: true,
  legalComments: "external",
  // Bundled CommonJS dependencies (ws, commander…) call require() for Node built-ins.
  banner: {
    js: 'import{createRequire as __amRequire}from"node:module";const require=__amRequire(import.meta.url);',
  },
  // ws speeds itself up with these native add-ons when present and works without them.
  external: ["bufferutil", "utf-8-validate"],
  logLevel: "warning",
});

mkdirSync(TARBALL_DIR, { recursive: true });
const packed = JSON.parse(
  execFileSync("npm", ["pack", "--json", "--pack-destination", TARBALL_DIR], {
    cwd: CONNECTOR,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false" },
  }),
) as Array<{ filename: string; size: number; entryCount: number }>;
const target = join(TARBALL_DIR, connectorFileName(VERSION));
renameSync(join(TARBALL_DIR, packed[0]!.filename), target);
const bytes = readFileSync(target);
const sha256 = createHash("sha256").update(bytes).digest("hex");
console.log(
  `${target}\n  ${(bytes.byteLength / 1024).toFixed(1)} KiB, ${packed[0]!.entryCount} files, sha256 ${sha256}`,
);
