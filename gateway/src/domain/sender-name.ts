/**
 * How an inbox message's verified sender reads to a person, the same on the web page, in `agent-mesh inbox` and in
 * MCP `check_messages`. No runtime imports beyond `caller.ts`: the web bundle and the connector import it too.
 */
import { shareIdOf } from "./caller.ts";
import type { Sender } from "./inbox.ts";

/** An agent with its owner (`helper (owner bob)`), a share link by its label and id, or the user. */
export function senderName(from: Sender): string {
  if (from.agent_name) return `${from.agent_name} (owner ${from.user})`;
  const link = shareIdOf(from.user);
  if (link === null) return from.user;
  return from.label ? `share link “${from.label}” (${link})` : `share link ${link}`;
}
