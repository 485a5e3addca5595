/**
 * The connector as a user gets it: `npm run build:connector`, then the tarball installed with npm into an empty
 * folder with a HOME of its own. Every connector measurement runs this install's `bin/agent-mesh.mjs` (prebuilt
 * JavaScript, no TypeScript loader), never the repository's sources.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectorFileName } from "../../gateway/src/connector-package.ts";
import { VERSION } from "../../gateway/src/version.ts";
import { ROOT } from "./processes.ts";

export interface ConnectorInstall {
  /** `<install>/node_modules/@agent-mesh/connector/bin/agent-mesh.mjs`. */
  bin: string;
  /** HOME (and AGENT_MESH_HOME below it) for every CLI run. */
  home: string;
  env: Record<string, string>;
  remove(): void;
}

export function installConnector(): ConnectorInstall {
  execFileSync("npm", ["run", "--silent", "build:connector"], { cwd: ROOT, stdio: "ignore" });
  const dir = mkdtempSync(join(tmpdir(), "agent-mesh-bench-install-"));
  const home = join(dir, "home");
  const prefix = join(dir, "install");
  mkdirSync(home);
  mkdirSync(prefix);
  const env = {
    HOME: home,
    AGENT_MESH_HOME: join(home, ".agent-mesh"),
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
  const tarball = join(ROOT, "connector/tarball", connectorFileName(VERSION));
  execFileSync("npm", ["install", "--no-save", "--prefix", prefix, tarball], {
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
  return {
    bin: join(prefix, "node_modules/@agent-mesh/connector/bin/agent-mesh.mjs"),
    home,
    env,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
