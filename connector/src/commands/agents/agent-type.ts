/** `--type` of `agents create` and `agents update`: one of the types a connector can run. */
import { ADAPTER_TYPES } from "../../agents/type-names.ts";
import { CliError } from "../../cli/errors.ts";

/**
 * Refuses a type no adapter runs. The gateway stores any short lowercase word, so without this a typo would
 * surface only when the printed `agent-mesh connect <type>` line fails on the agent's machine.
 */
export function checkAgentType(type: string): void {
  if ((ADAPTER_TYPES as readonly string[]).includes(type)) return;
  throw new CliError(
    "unknown_agent_type",
    `unknown agent type "${type}"; use one of ${ADAPTER_TYPES.join(", ")}.`,
  );
}
