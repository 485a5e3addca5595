#!/usr/bin/env node
// The `agent-mesh` command. Installed from the package it runs the prebuilt JavaScript in ../dist; in a source
// checkout (src/ next to bin/) it runs the TypeScript sources through tsx, so contributors never build first.
// Plain syntax old Node versions parse, so the version check below can speak before anything newer loads.
import { createRequire } from "node:module";

// Taken with require: `import … from "node:fs"` has Node build fs's ES module face, which loads its streams (about
// 4 ms of every start, `agent-mesh --version` included).
const { existsSync } = createRequire(import.meta.url)("node:fs");

const REQUIRED_MAJOR = 20;
const version = process.versions.node;
if (!(Number(version.split(".")[0]) >= REQUIRED_MAJOR)) {
  process.stderr.write(
    `agent-mesh: needs Node.js ${REQUIRED_MAJOR} or newer, but this is Node.js ${version}; install Node.js ` +
      `${REQUIRED_MAJOR}+ (https://nodejs.org) and run the command again. [node_too_old]\n`,
  );
  process.exit(1);
}

const fromSource = existsSync(new URL("../src/cli/main.ts", import.meta.url));
const cli = fromSource
  ? import("tsx/esm/api").then((tsx) => {
      tsx.register();
      return import("../src/cli/main.ts");
    })
  : import("../dist/agent-mesh.mjs");
cli.then((loaded) =>
  loaded.main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }),
);
