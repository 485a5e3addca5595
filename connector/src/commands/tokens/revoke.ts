/** `agent-mesh tokens revoke <id>`: revokes a token; agents connected with it are disconnected within a second. */
import type { Command } from "commander";
import { userContext } from "../../cli/context.ts";
import { segment } from "../../cli/gateway-api.ts";

export function register(tokens: Command): void {
  tokens
    .command("revoke <id>")
    .description("revoke a token (and close the agent sockets that use it)")
    .addHelpText("after", "\nExample:\n  agent-mesh tokens revoke 57c43035c8af8a6b")
    .action(async (id: string) => {
      const { api } = userContext();
      await api.json("DELETE", `/v1/tokens/${segment(id)}`);
      process.stdout.write(`Revoked ${id}.\n`);
    });
}
