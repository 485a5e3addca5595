// Runs before `npm test`: installs the pinned agent CLIs (claude, codex, gemini, skills) the suites drive, once,
// and again only when tests/agents/package-lock.json changes. Kept out of the root install so `npm install` stays
// lean for people who only run the gateway.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const installed = join(here, "node_modules", ".package-lock.json");
const wanted = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8")).packages ?? {};
const have = existsSync(installed) ? (JSON.parse(readFileSync(installed, "utf8")).packages ?? {}) : {};
const missing = Object.entries(wanted).filter(
  ([path, meta]) =>
    path.startsWith("node_modules/") && !meta.optional && have[path]?.version !== meta.version,
);
if (missing.length > 0) {
  console.log(`installing the pinned agent CLIs for the tests (${missing.length} packages differ)…`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["ci", "--prefix", here, "--no-audit", "--no-fund"], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
