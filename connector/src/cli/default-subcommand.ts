/**
 * A command group whose default subcommand lists (`agent-mesh agents` alone runs `agents list`). Commander hands
 * whatever follows the group to its default subcommand, so a mistyped subcommand would reach `list` as an argument
 * ("too many arguments for 'list'"); here it is refused as an unknown command, as commander refuses one, with the
 * group's help after it.
 * @module
 */
import type { Command } from "commander";

export function refuseUnknownSubcommands(group: Command): Command {
  return group.hook("preSubcommand", (command, subcommand) => {
    const [first] = command.args;
    if (first === undefined || first.startsWith("-") || first === subcommand.name()) return;
    command.error(`error: unknown command '${first}'`, { code: "commander.unknownCommand" });
  });
}
