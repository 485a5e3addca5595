/**
 * Which hosts a sandboxed agent may reach. Default: its model API (per adapter type, below) plus the host of any
 * base-URL variable in its environment (a custom endpoint the owner configured), plus the owner's `--allow-host`
 * entries. Everything else is refused by the sandbox's proxy; there is no direct network inside at all.
 * @module
 */
import { CliError } from "../cli/errors.ts";

/** The model API hosts (and the sign-in hosts their CLIs refresh tokens at) of each adapter type. */
export const MODEL_API_HOSTS: Readonly<Record<string, readonly string[]>> = {
  claude: ["api.anthropic.com", "console.anthropic.com", "platform.claude.com", "claude.ai"],
  codex: ["api.openai.com", "chatgpt.com", "auth.openai.com"],
  gemini: ["generativelanguage.googleapis.com", "cloudcode-pa.googleapis.com", "oauth2.googleapis.com"],
  exec: [],
  echo: [],
};

/** Environment variables that point an agent CLI at another model endpoint; their hosts are allowed too. */
export const BASE_URL_VARIABLES = [
  "ANTHROPIC_BASE_URL",
  "OPENAI_BASE_URL",
  "GOOGLE_GEMINI_BASE_URL",
  "GEMINI_BASE_URL",
] as const;

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$/;

/** Validates one `--allow-host` value: `host`, `*.domain`, `host:port` or `1.2.3.4:port` (no scheme, no path). */
export function parseAllowHost(value: string): string {
  const host = value.trim().toLowerCase();
  const port = /:(\d+)$/.exec(host)?.[1];
  if (!HOST.test(host) || (port !== undefined && (Number(port) < 1 || Number(port) > 65_535))) {
    throw new CliError(
      "invalid_allow_host",
      `--allow-host "${value}" is not a host name: use e.g. api.example.com, *.example.com or 127.0.0.1:8080 (no scheme or path).`,
    );
  }
  return host;
}

/** `host` or `host:port` of a URL, as an allow-list entry; undefined for anything that is not an http(s) URL. */
export function hostOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
    return parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  } catch {
    return undefined;
  }
}

/** The allow list of one run: model API hosts, base-URL hosts from its environment, the owner's extras. */
export function allowedHosts(agentType: string, env: NodeJS.ProcessEnv, extra: readonly string[]): string[] {
  const fromEnv = BASE_URL_VARIABLES.map((name) => hostOfUrl(env[name])).filter(
    (host): host is string => host !== undefined,
  );
  return [...new Set([...(MODEL_API_HOSTS[agentType] ?? []), ...fromEnv, ...extra])];
}
