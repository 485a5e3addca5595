// Runs before `npm test`: installs the pinned agent CLIs and protocol clients the suites drive (claude, codex,
// gemini, skills, the MCP Inspector; and, in node22/, Node 22 with the MCP conformance suite), once, and again only
// when a prefix's package-lock.json changes. Kept out of the root install so `npm install` stays lean for people
// who only run the gateway. node22/ is a prefix of its own so its `node` never shadows Node 20 on the PATH the
// other suites give the agent CLIs.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

for (const prefix of [here, join(here, "node22")]) {
  const installed = join(prefix, "node_modules", ".package-lock.json");
  const wanted = JSON.parse(readFileSync(join(prefix, "package-lock.json"), "utf8")).packages ?? {};
  const have = existsSync(installed) ? (JSON.parse(readFileSync(installed, "utf8")).packages ?? {}) : {};
  const missing = Object.entries(wanted).filter(
    ([path, meta]) =>
      path.startsWith("node_modules/") && !meta.optional && have[path]?.version !== meta.version,
  );
  if (missing.length === 0) continue;
  console.log(`installing the pinned test clients in ${prefix} (${missing.length} packages differ)…`);
  const result = spawnSync(npm, ["ci", "--prefix", prefix, "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
