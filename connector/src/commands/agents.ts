/**
 * `agent-mesh agents ...`: manage agents on the gateway. `<ref>` is an agent id, name, or local alias
 * (case-insensitive). One file per subcommand under `commands/agents/`.
 * @module
 */
import type { Command } from "commander";
import { refuseUnknownSubcommands } from "../cli/default-subcommand.ts";
import { register as connectCommand } from "./agents/connect-command.ts";
import { register as create } from "./agents/create.ts";
import { register as remove } from "./agents/delete.ts";
import { register as list } from "./agents/list.ts";
import { register as shares } from "./agents/shares.ts";
import { register as show } from "./agents/show.ts";
import { register as update } from "./agents/update.ts";
import { register as visibility } from "./agents/visibility.ts";

export function register(program: Command): void {
  const agents = program
    .command("agents")
    .description(
      "create, list, show, update, publish, unpublish, share and delete agents; print a connect command",
    );
  refuseUnknownSubcommands(agents);
  for (const add of [create, list, show, update, visibility, shares, remove, connectCommand]) add(agents);
}
