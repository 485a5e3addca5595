/**
 * `agent-mesh skills installed [--check-updates] [--json]`: what the lock file lists, whether the files were
 * changed locally, and with `--check-updates` the latest version, the newest in range and deprecations.
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../../cli/errors.ts";
import { configHome } from "../../config.ts";
import { createRegistryClient, print, printJson, type RegistryClient } from "./api.ts";
import { installedDigest } from "./install-target.ts";
import { fetchPackage, pickVersion, scopeFor } from "./installer.ts";
import { type LockEntry, readLock } from "./lock-file.ts";
import { slugOf } from "./skill-names.ts";

interface Row {
  name: string;
  version: string;
  range: string;
  status: "ok" | "modified" | "missing";
  latest?: string;
  /** The newest version within `range`; `null` when no published version matches it any more. */
  wanted?: string | null;
  deprecated?: string;
}

const STATUS_TEXT: Record<Row["status"], string> = {
  ok: "ok",
  modified: "modified locally",
  missing: "files missing",
};

/** Adds `latest`, `wanted` and `deprecated`; a skill whose range matches nothing does not fail the listing. */
async function addUpdates(client: RegistryClient, row: Row, entry: LockEntry): Promise<void> {
  try {
    const doc = await fetchPackage(client, row.name.split("/")[0]!, slugOf(row.name));
    row.latest = doc["dist-tags"].latest;
    const deprecated = doc.versions[entry.version]?.deprecated;
    if (deprecated) row.deprecated = deprecated;
    row.wanted = pickVersion(doc, entry.range).version;
  } catch (error) {
    // `version_not_found` (nothing in range), or the skill or author is gone from the registry.
    if (!(error instanceof CliError && error.code.endsWith("_not_found"))) throw error;
    row.wanted = null;
  }
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
        const digest = await installedDigest(scope.root, slugOf(name));
        const row: Row = {
          name,
          version: entry.version,
          range: entry.range,
          status: digest === null ? "missing" : digest === entry.content ? "ok" : "modified",
        };
        if (client) await addUpdates(client, row, entry);
        rows.push(row);
      }
      if (options.json) return printJson(rows);
      if (rows.length === 0) return print("no skills installed here");
      for (const row of rows) {
        const extra = [
          STATUS_TEXT[row.status],
          row.wanted === null ? `no published version matches ${row.range}` : "",
          row.wanted && row.wanted !== row.version ? `update available: ${row.wanted}` : "",
          row.latest && row.latest !== row.wanted ? `latest: ${row.latest}` : "",
          row.deprecated ? `deprecated: ${row.deprecated}` : "",
        ].filter(Boolean);
        print(`${row.name}@${row.version} (${row.range})  ${extra.join("; ")}`);
      }
    });
}
