/**
 * `agent-mesh tokens ...`: the admin's user tokens (`/v1/tokens`), so setting a gateway up needs no curl. Run
 * logged in with the admin token, or with `AGENT_MESH_TOKEN=<admin token>`. One file per subcommand under
 * `commands/tokens/`.
 * @module
 */
import type { Command } from "commander";
import { refuseUnknownSubcommands } from "../cli/default-subcommand.ts";
import { register as create } from "./tokens/create.ts";
import { register as list } from "./tokens/list.ts";
import { register as revoke } from "./tokens/revoke.ts";

export function register(program: Command): void {
  const tokens = program
    .command("tokens")
    .description("admin: create, list and revoke user tokens (log in with the admin token first)");
  refuseUnknownSubcommands(tokens);
  for (const add of [create, list, revoke]) add(tokens);
}
