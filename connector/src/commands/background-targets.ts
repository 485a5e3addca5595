/** Which local agents a background command acts on: one by ref, or every one with --all. */
import { CliError } from "../cli/errors.ts";
import { findLocalAgent, type LocalAgent, loadConfig } from "../config.ts";

export function targets(
  ref: string | undefined,
  all: boolean | undefined,
  verb: string,
): [string, LocalAgent][] {
  const config = loadConfig();
  if (all) return Object.entries(config.agents);
  if (!ref) throw new CliError("missing_argument", `say which agent to ${verb}, or pass --all.`);
  const found = findLocalAgent(config, ref);
  if (!found) {
    throw new CliError(
      "unknown_local_agent",
      `no local agent "${ref}": connect it once in the foreground (\`agent-mesh connect <type> --agent ${ref}\`) so its settings are saved.`,
    );
  }
  return [found];
}
