/** `agent-mesh tokens list`: every token the gateway knows (never the secrets themselves). */
import type { Command } from "commander";
import { userContext } from "../../cli/context.ts";
import { printJson, printTable } from "../../cli/output.ts";

interface TokenView {
  id: string;
  name: string;
  kind: string;
  scopes: string[];
  agent_id?: string;
  created_at: string;
  revoked_at: string | null;
}

export function register(tokens: Command): void {
  tokens
    // The default: `agent-mesh tokens` alone lists them.
    .command("list", { isDefault: true })
    .description("list tokens: id, user, kind, scopes, agent, created, revoked")
    .option("--all", "include revoked tokens")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  agent-mesh tokens list\n  agent-mesh tokens list --all --json")
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const { api } = userContext();
      const all = await api.everyPage<TokenView>("tokens");
      const shown = options.all ? all : all.filter((token) => !token.revoked_at);
      if (options.json) return printJson({ tokens: shown });
      printTable(
        ["ID", "USER", "KIND", "SCOPES", "AGENT", "CREATED", "REVOKED"],
        shown.map((t) => [
          t.id,
          t.name,
          t.kind,
          t.scopes.join(","),
          t.agent_id ?? "",
          t.created_at.slice(0, 19),
          t.revoked_at?.slice(0, 19) ?? "",
        ]),
        "No tokens.",
      );
    });
}
