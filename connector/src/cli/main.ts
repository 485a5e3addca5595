/**
 * The `agent-mesh` CLI. Each command lives in `src/commands/<name>.ts` and exports `register(program)`;
 * `main` builds the program and runs it, so tests can call it in-process.
 * @module
 */
import { Command, CommanderError } from "commander";
import { COMMANDS } from "../commands/index.ts";
import { CliError } from "./errors.ts";

export const VERSION = "0.1.0";

export function createProgram(): Command {
  const program = new Command("agent-mesh")
    .description("Put local AI agents on the network through a self-hosted Agent Mesh gateway")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI with `args` (without `node` and the script). Returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      process.stderr.write(`agent-mesh: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`agent-mesh: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
