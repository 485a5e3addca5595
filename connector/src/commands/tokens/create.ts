/** `agent-mesh tokens create <user> [--scope <s>]...`: mints a user token (shown once). */
import type { Command } from "commander";
import { userContext } from "../../cli/context.ts";
import { CliError } from "../../cli/errors.ts";
import { printJson } from "../../cli/output.ts";
import { collect } from "../agents/agent-view.ts";

const SCOPES = ["agents", "connect", "call", "publish", "admin"];

interface Created {
  id: string;
  name: string;
  scopes: string[];
  token: string;
}

export function register(tokens: Command): void {
  tokens
    .command("create <user>")
    .description("create a token for <user> (a new name creates the user); the token is shown once")
    .option("--scope <scope>", `a scope (repeatable): ${SCOPES.join(", ")}; default all but admin`, collect)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  agent-mesh tokens create alice\n  agent-mesh tokens create ci-bot --scope call",
    )
    .action(async (user: string, options: { scope?: string[]; json?: boolean }) => {
      const unknown = options.scope?.find((scope) => !SCOPES.includes(scope));
      if (unknown)
        throw new CliError("invalid_option", `unknown scope "${unknown}"; use one of ${SCOPES.join(", ")}.`);
      const { api } = userContext();
      const created = await api.json<Created>("POST", "/v1/tokens", {
        body: { name: user, scopes: options.scope },
      });
      if (options.json) return printJson(created);
      process.stdout.write(
        `Token ${created.id} for ${created.name} (scopes: ${created.scopes.join(", ")}), shown once:\n\n` +
          `  ${created.token}\n\n` +
          `${created.name} logs in with: agent-mesh login --url ${api.url} --token ${created.token}\n`,
      );
    });
}
