/** `agent-mesh logs <agent> [-f] [-n <lines>]`: a background connector's log. */
import { createReadStream, existsSync, readFileSync, statSync, unwatchFile, watchFile } from "node:fs";
import type { Command } from "commander";
import { logFile } from "../background/process-state.ts";
import { CliError } from "../cli/errors.ts";
import { targets } from "./background-targets.ts";

export function register(program: Command): void {
  program
    .command("logs")
    .description("print a connector's log")
    .argument("<agent>", "local alias, name or id")
    .option("-n, --lines <n>", "how many of the last lines", "50")
    .option("-f, --follow", "keep printing new lines (Ctrl-C to stop)")
    .addHelpText("after", "\nExample:\n  agent-mesh logs upper -f -n 100")
    .action(async (ref: string, options: { lines: string; follow?: boolean }) => {
      const [[alias]] = targets(ref, false, "show logs for") as [[string, unknown]];
      const path = logFile(alias);
      if (!existsSync(path))
        throw new CliError(
          "no_logs",
          `no log for ${alias} yet (${path}); start it with \`agent-mesh start ${alias}\`.`,
        );
      const count = Number(options.lines);
      if (!Number.isInteger(count) || count < 0)
        throw new CliError("invalid_option", "-n must be a whole number.");
      const lines = readFileSync(path, "utf8").split("\n");
      if (lines.at(-1) === "") lines.pop();
      if (count) process.stdout.write(`${lines.slice(-count).join("\n")}\n`);
      if (options.follow) await follow(path);
    });
}

/** Prints what is appended to `path` until SIGINT/SIGTERM. */
function follow(path: string): Promise<void> {
  let offset = statSync(path).size;
  return new Promise((resolve) => {
    const onChange = () => {
      const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
      if (size < offset) offset = 0; // rotated or truncated: start over
      if (size === offset) return;
      createReadStream(path, { start: offset, end: size - 1 }).pipe(process.stdout, { end: false });
      offset = size;
    };
    watchFile(path, { interval: 200 }, onChange);
    const stop = () => {
      unwatchFile(path, onChange);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
