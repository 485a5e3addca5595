/**
 * A caller's id becomes a directory name, so it is validated before anything touches the disk: lowercase hex
 * only (16–64 chars), which rules out `..`, separators, dots and case-folding collisions.
 * @module
 */
import { AgentRunError } from "../agents/types.ts";

const CLIENT_ID = /^[0-9a-f]{16,64}$/;

export function assertClientId(clientId: unknown): asserts clientId is string {
  if (typeof clientId !== "string" || !CLIENT_ID.test(clientId)) {
    const shown = typeof clientId === "string" ? JSON.stringify(clientId.slice(0, 80)) : typeof clientId;
    throw new AgentRunError("invalid_client_id", `Client id ${shown} is not 16–64 lowercase hex characters.`);
  }
}
