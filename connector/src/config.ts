/**
 * The connector's config file, `~/.agent-mesh/config.json` (`AGENT_MESH_HOME` overrides the folder). It holds
 * the gateway URL and user token at the top level (the skills commands read those two fields too), the local
 * agents this machine connects, and the default request concurrency. Written atomically with mode 0600 in a
 * 0700 folder, because it holds credentials. `AGENT_MESH_URL` / `AGENT_MESH_TOKEN` override url and token at
 * read time and are never written back.
 * @module
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError } from "./cli/errors.ts";

/** An agent this machine runs, keyed by a local alias (its lowercase name unless chosen otherwise). */
export interface LocalAgent {
  id: string;
  name: string;
  /** Adapter type: echo, exec, claude, codex or gemini. */
  type: string;
  /** Absolute path of the project the agent works in. */
  project: string;
  /** Binary (exec: the program) and extra arguments. */
  command?: string;
  args?: string[];
  /** Agent credential redeemed from a ticket; without it the user token connects. */
  token?: string;
  /**
   * SHA-256 (hex) of the ticket `token` came from: the same `connect --setup` line run again on this machine (say,
   * with the exec command it lacked) reuses the credential instead of failing on a used ticket.
   */
  ticket?: string;
  maxConcurrent?: number;
  /** echo: how many times each message is streamed back (`--chunks`). */
  chunks?: number;
  /** Claude's `--permission-mode`, the owner's explicit choice. */
  permissionMode?: string;
  /** Claude: relay permission prompts to the caller (`--ask-caller`), who has `askTimeoutS` seconds to answer. */
  askCaller?: boolean;
  askTimeoutS?: number;
  /** Claude: tool rules allowed / denied without asking anyone (`--allow-tool`, `--deny-tool`). */
  allowTools?: string[];
  denyTools?: string[];
  /** claude, codex, gemini: false when the owner connected with --no-mesh-tools (the agent gets no mesh tools). */
  meshTools?: boolean;
  /** Gateway this agent's credential belongs to (from its ticket); defaults to the top-level `url`. */
  url?: string;
  /** Run every agent process in the sandbox (`connect --sandbox`; docs/sandbox.md). */
  sandbox?: boolean;
  /** Hosts the sandboxed agent may reach besides its model API (`--allow-host`). */
  allowHosts?: string[];
}

export interface Config {
  url?: string;
  token?: string;
  /** Requests running at once per connector, unless the agent sets its own. Default 10. */
  maxConcurrent?: number;
  agents: Record<string, LocalAgent>;
  /** Fields other tools keep in the same file survive a rewrite. */
  [other: string]: unknown;
}

export const DEFAULT_MAX_CONCURRENT = 10;

export function configHome(): string {
  return process.env.AGENT_MESH_HOME || join(process.env.HOME || homedir(), ".agent-mesh");
}

export function configPath(): string {
  return join(configHome(), "config.json");
}

/** Reads the file as written (no env overrides). A missing file is an empty config. */
export function loadConfig(): Config {
  const path = configPath();
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { agents: {} };
    throw new CliError("config_unreadable", `cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new CliError("config_invalid", `${path} is not valid JSON; fix or delete it.`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new CliError("config_invalid", `${path} must hold a JSON object.`);
  const config = parsed as Config;
  if (!config.agents || typeof config.agents !== "object") config.agents = {};
  return config;
}

/** Writes to a temp file and renames it over the old one, so a crash never leaves half a config. */
export function saveConfig(config: Config): void {
  const home = configHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
  const path = configPath();
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** Loads, changes and saves in one step. */
export function updateConfig(change: (config: Config) => void): Config {
  const config = loadConfig();
  change(config);
  saveConfig(config);
  return config;
}

export interface GatewaySettings {
  url: string;
  token: string;
}

/** The gateway and user token to use, env first. Throws `not_logged_in` when either is missing. */
export function gatewaySettings(config: Config = loadConfig()): GatewaySettings {
  const url = (process.env.AGENT_MESH_URL || config.url)?.replace(/\/+$/, "");
  const token = process.env.AGENT_MESH_TOKEN || config.token;
  if (!url || !token) {
    throw new CliError(
      "not_logged_in",
      "not logged in: run `agent-mesh login --url <gateway> --token <token>` (or set AGENT_MESH_URL and AGENT_MESH_TOKEN).",
    );
  }
  return { url, token };
}

/** The gateway URL alone (env first), for commands that may run with an agent credential. */
export function gatewayUrl(config: Config = loadConfig()): string | undefined {
  return (process.env.AGENT_MESH_URL || config.url)?.replace(/\/+$/, "");
}

/** A local agent by alias, name or id, case-insensitive. */
export function findLocalAgent(config: Config, ref: string): [alias: string, agent: LocalAgent] | undefined {
  const wanted = ref.toLowerCase();
  const entries = Object.entries(config.agents);
  return (
    entries.find(([alias]) => alias.toLowerCase() === wanted) ??
    entries.find(([, agent]) => agent.name.toLowerCase() === wanted || agent.id.toLowerCase() === wanted)
  );
}

/** Local aliases double as file names (PID, state, log), so they are kept to a safe lowercase slug. */
export function aliasFor(name: string): string {
  const alias = name.toLowerCase().replace(/[^a-z0-9_-]/g, "-");
  if (!alias || alias.startsWith("."))
    throw new CliError("invalid_alias", `cannot use "${name}" as a local alias.`);
  return alias;
}

/** Shows a secret's first characters only. */
export function maskSecret(secret: string | undefined): string | undefined {
  if (!secret) return secret;
  return secret.length <= 8 ? "****" : `${secret.slice(0, 6)}…${secret.slice(-2)}`;
}
