/**
 * `agent-mesh skills installed [--check-updates] [--json]`: what the lock file lists, whether the files were
 * changed locally, and with `--check-updates` the latest version, the newest in range and deprecations.
 * @module
 */
import type { Command } from "commander";
import { configHome } from "../../config.ts";
import { createRegistryClient, print, printJson } from "./api.ts";
import { installedDigest } from "./install-target.ts";
import { fetchPackage, pickVersion, scopeFor } from "./installer.ts";
import { readLock } from "./lock-file.ts";

interface Row {
  name: string;
  version: string;
  range: string;
  status: "ok" | "modified" | "missing";
  latest?: string;
  wanted?: string;
  deprecated?: string;
}

export function register(skills: Command): void {
  skills
    .command("installed")
    .description("list installed skills, local changes, and (with --check-updates) newer versions")
    .option("--check-updates", "ask the registry for latest versions and deprecations")
    .option("--dir <project>", "project folder (default: the current folder)")
    .option("--global", "the user's skills instead of the project's")
    .option("--json", "print JSON")
    .action(async (options: { checkUpdates?: boolean; dir?: string; global?: boolean; json?: boolean }) => {
      const scope = scopeFor(options, configHome());
      const lock = await readLock(scope.lockPath);
      const client = options.checkUpdates ? createRegistryClient() : null;
      const rows: Row[] = [];
      for (const [name, entry] of Object.entries(lock.skills)) {
        const digest = await installedDigest(scope.root, name.split("/")[1]!);
        const row: Row = {
          name,
          version: entry.version,
          range: entry.range,
          status: digest === null ? "missing" : digest === entry.content ? "ok" : "modified",
        };
        if (client) {
          const [author, slug] = name.split("/") as [string, string];
          const doc = await fetchPackage(client, author, slug);
          row.latest = doc["dist-tags"].latest;
          row.wanted = pickVersion(doc, entry.range).version;
          const deprecated = doc.versions[entry.version]?.deprecated;
          if (deprecated) row.deprecated = deprecated;
        }
        rows.push(row);
      }
      if (options.json) return printJson(rows);
      if (rows.length === 0) return print("no skills installed here");
      for (const row of rows) {
        const extra = [
          row.status !== "ok" ? (row.status === "modified" ? "modified locally" : "files missing") : "",
          row.wanted && row.wanted !== row.version ? `update available: ${row.wanted}` : "",
          row.latest && row.latest !== row.wanted ? `latest: ${row.latest}` : "",
          row.deprecated ? `deprecated: ${row.deprecated}` : "",
        ].filter(Boolean);
        print(`${row.name}@${row.version} (${row.range})${extra.length ? `  ${extra.join("; ")}` : ""}`);
      }
    });
}
