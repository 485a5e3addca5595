/**
 * What a "don't reconnect" close code means for the person running the connector. The messages carry no
 * `[code]`: the CLI's error printer (`errorText`) appends it once.
 */
import { CloseCode } from "../../../gateway/src/protocol/index.ts";
import { CliError } from "../cli/errors.ts";

/** Exit status of a connector the gateway refused for good (distinct from usage errors). */
export const REFUSED_EXIT = 3;

export function refusalError(code: number, reason: string, agent: string): CliError {
  const detail = reason ? ` (gateway said: ${reason})` : "";
  switch (code) {
    case CloseCode.authFailed:
      return new CliError(
        "auth_failed",
        `the gateway rejected this connector's credential for ${agent}${detail}. Log in again (\`agent-mesh login\`) or redeem a new ticket (\`agent-mesh connect --setup <ticket-url>\`).`,
        REFUSED_EXIT,
      );
    case CloseCode.revoked:
      return new CliError(
        "token_revoked",
        `the credential for ${agent} was revoked${detail}; not reconnecting. Create a new token or ticket and connect again.`,
        REFUSED_EXIT,
      );
    case CloseCode.replaced:
      return new CliError(
        "connection_replaced",
        `another connector connected as ${agent}${detail}, so this one stops. Run only one connector per agent.`,
        REFUSED_EXIT,
      );
    case CloseCode.agentDeleted:
      return new CliError(
        "agent_deleted",
        `agent ${agent} was deleted on the gateway${detail}; not reconnecting.`,
        REFUSED_EXIT,
      );
    case CloseCode.versionUnsupported:
      return new CliError(
        "protocol_unsupported",
        `this connector and the gateway share no protocol version${detail}; upgrade agent-mesh.`,
        REFUSED_EXIT,
      );
    default:
      return new CliError(
        "connection_refused",
        `the gateway refused the connection for ${agent} (close code ${code})${detail}; not reconnecting.`,
        REFUSED_EXIT,
      );
  }
}
