/**
 * A message given on the command line, or piped in: `--task "..."`, or all of stdin when the option is left out
 * (or is `-`) and stdin is not a terminal (`git diff | agent-mesh call reviewer`). One final newline is dropped,
 * as a shell's `$(...)` would.
 */
import { CliError } from "./errors.ts";

export async function messageText(
  given: string | undefined,
  option: string,
  example: string,
): Promise<string> {
  if (given !== undefined && given !== "-") return given;
  if (process.stdin.isTTY)
    throw new CliError(
      "invalid_option",
      `say what to send: ${option} "...", or pipe it on stdin (${example}).`,
    );
  let text = "";
  for await (const chunk of process.stdin.setEncoding("utf8")) text += chunk;
  if (text.trim() === "") throw new CliError("invalid_option", "stdin was empty: nothing to send the agent.");
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}
