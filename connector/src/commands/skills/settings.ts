/**
 * Where the gateway is and which token to use, from the connector's shared config (`AGENT_MESH_URL` /
 * `AGENT_MESH_TOKEN` first, then `~/.agent-mesh/config.json`). Reading works without a token.
 * @module
 */
import { CliError } from "../../cli/errors.ts";
import { configHome, loadConfig } from "../../config.ts";

export interface SkillsSettings {
  /** Gateway base URL without a trailing slash. */
  url: string | undefined;
  token: string | undefined;
  /** The config folder; the archive cache and the global lock live under it. */
  home: string;
}

export function loadSettings(): SkillsSettings {
  const config = loadConfig();
  const url = process.env.AGENT_MESH_URL || config.url;
  const token = process.env.AGENT_MESH_TOKEN || config.token;
  return { url: url?.replace(/\/+$/, ""), token, home: configHome() };
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
