/** `agent-mesh login`: checks a gateway URL and token with `GET /v1/me`, then saves both to the config. */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { CliError } from "../cli/errors.ts";
import { GatewayApi } from "../cli/gateway-api.ts";
import { configPath, loadConfig, updateConfig } from "../config.ts";

interface Me {
  user: string;
  kind: string;
  scopes: string[];
}

export function register(program: Command): void {
  program
    .command("login")
    .description("log in to a gateway with a token (prompts for what is missing when run in a terminal)")
    .option("--url <gateway>", "gateway base URL, e.g. http://127.0.0.1:8787")
    .option("--token <token>", "your user token (from the gateway admin)")
    .addHelpText("after", "\nExample:\n  agent-mesh login --url http://127.0.0.1:8787 --token amu_...")
    .action(async (options: { url?: string; token?: string }) => {
      const saved = loadConfig();
      const url = options.url ?? (await ask("Gateway URL", saved.url));
      const token = options.token ?? (await ask("Token", undefined));
      if (!/^https?:\/\//.test(url))
        throw new CliError("invalid_url", `"${url}" is not an http(s) URL, e.g. http://127.0.0.1:8787.`);
      const base = url.replace(/\/+$/, "");
      const me = await new GatewayApi(base, token).get<Me>("/v1/me");
      if (me.kind === "agent") {
        throw new CliError(
          "agent_token",
          "this is an agent credential, not a user token; use it with `agent-mesh connect --setup <ticket-url>` instead.",
        );
      }
      updateConfig((config) => {
        config.url = base;
        config.token = token;
      });
      process.stdout.write(`Logged in to ${base} as ${me.user} (saved to ${configPath()}).\n`);
    });
}

/** Prompts on a terminal; without one, says which flag is missing. */
async function ask(label: string, fallback: string | undefined): Promise<string> {
  if (!process.stdin.isTTY) {
    if (fallback) return fallback;
    throw new CliError(
      "missing_option",
      `${label.toLowerCase()} missing: pass --${label === "Token" ? "token" : "url"} (no terminal to prompt on).`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${label}${fallback ? ` [${fallback}]` : ""}: `)).trim();
    if (answer) return answer;
    if (fallback) return fallback;
    throw new CliError("missing_option", `${label.toLowerCase()} is required.`);
  } finally {
    rl.close();
  }
}
