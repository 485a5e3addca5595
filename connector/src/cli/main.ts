/**
 * The `agent-mesh` CLI. Each command lives in `src/commands/<name>.ts` and exports `register(program)`; the list
 * in `src/commands/index.ts` loads only the module of the command that runs, so start-up stays fast. `main`
 * builds the program and runs it, so tests can call it in-process.
 * @module
 */
import { Command, CommanderError } from "commander";
import { COMMANDS } from "../commands/index.ts";
import { VERSION } from "../version.ts";
import { CliError, errorText } from "./errors.ts";

export { VERSION };

/** The program with `loaded` commands registered in full and every other command as a one-line stub for help. */
export async function createProgram(loaded: readonly string[] = []): Promise<Command> {
  const program = new Command("agent-mesh")
    .description("Put local AI agents on the network through a self-hosted Agent Mesh gateway")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  const modules = await Promise.all(
    COMMANDS.map((entry) => (loaded.includes(entry.name) ? entry.load() : undefined)),
  );
  COMMANDS.forEach((entry, i) => {
    const module = modules[i];
    if (module) module.register(program);
    else program.command(entry.name).description(entry.summary);
  });
  return program;
}

/** The command `args` will run (`help <name>` counts as `<name>`), if any. */
export function commandNamed(args: readonly string[]): string | undefined {
  const first = args.findIndex((arg) => !arg.startsWith("-"));
  if (first === -1) return undefined;
  return args[first] === "help" ? args[first + 1] : args[first];
}

/** Runs the CLI with `args` (without `node` and the script). Returns the exit code. */
export async function main(args: string[]): Promise<number> {
  exitQuietlyWhenReaderLeaves();
  try {
    const wanted = commandNamed(args);
    const program = await createProgram(wanted ? [wanted] : []);
    await program.parseAsync(args, { from: "user" });
    return commandExitCode();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`agent-mesh: ${errorText(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

let readerWatched = false;

/**
 * A reader that stops early (`agent-mesh tasks | head -1`) closes the pipe, and the next write fails with EPIPE,
 * which Node raises as an unhandled 'error' event: a stack trace. Unix tools die of SIGPIPE there, quietly, but
 * Node ignores SIGPIPE, so exit here instead, with the status set so far (`process.exitCode`, else 0): whether a
 * write loses the race with the reader is a matter of timing, and a non-zero status that depends on it would make
 * `set -o pipefail` scripts fail now and then. stderr too: `2>&1 | head` puts both on the same pipe.
 */
function exitQuietlyWhenReaderLeaves(): void {
  if (readerWatched) return; // main may run many times in one process (tests): one listener per stream
  readerWatched = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit();
    });
  }
}

/**
 * The status a command that ran to its end asked for. Commands whose outcome is not an error still choose it
 * (`task --wait` on a failed task, `start --all` with a failure, `claude` passing on its child's) by setting
 * `process.exitCode`; the bin sets `process.exitCode` from what `main` returns, so a plain 0 would erase theirs.
 */
function commandExitCode(): number {
  const code = Number(process.exitCode ?? 0);
  return Number.isInteger(code) ? code : 1;
}
