/**
 * Where the gateway is and which token to use: `AGENT_MESH_URL` / `AGENT_MESH_TOKEN`, else
 * `~/.agent-mesh/config.json` (`AGENT_MESH_HOME` overrides the folder) with `{ "url", "token" }`.
 * Kept here until the connector's shared config module exists; it reads the same file the same way.
 * @module
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError } from "../../cli/errors.ts";

export interface SkillsSettings {
  /** Gateway base URL without a trailing slash. */
  url: string | undefined;
  token: string | undefined;
  /** The config folder; the archive cache and the global lock live under it. */
  home: string;
}

export function configHome(): string {
  return process.env.AGENT_MESH_HOME || join(process.env.HOME || homedir(), ".agent-mesh");
}

export function loadSettings(): SkillsSettings {
  const home = configHome();
  let file: { url?: unknown; token?: unknown } = {};
  try {
    file = JSON.parse(readFileSync(join(home, "config.json"), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new CliError(
        "config_invalid",
        `cannot read ${join(home, "config.json")}: ${(error as Error).message}`,
      );
    }
  }
  const url = process.env.AGENT_MESH_URL || (typeof file.url === "string" ? file.url : undefined);
  const token = process.env.AGENT_MESH_TOKEN || (typeof file.token === "string" ? file.token : undefined);
  return { url: url?.replace(/\/+$/, ""), token, home };
}

/** The registry API root inside the gateway. */
export function registryUrl(settings: SkillsSettings): string {
  if (!settings.url) {
    throw new CliError(
      "gateway_unknown",
      'no gateway configured: set AGENT_MESH_URL or put {"url": "..."} in ~/.agent-mesh/config.json',
    );
  }
  return `${settings.url}/v1/skills`;
}
