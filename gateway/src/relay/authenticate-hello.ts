/**
 * Who is connecting: checks the credential in a `hello` frame and finds the agent it may connect as.
 * A user token needs the `connect` scope and must own the agent; an agent credential (from a ticket) is bound to
 * one agent. Refusals carry the close code the connector acts on (terminal codes stop its retries).
 */
import type { TokenService } from "../auth/tokens.ts";
import type { AgentRecord, AgentService } from "../domain/agents.ts";
import { ApiError } from "../errors.ts";
import { CloseCode, type HelloFrame } from "../protocol/index.ts";

export type HelloIdentity = { agent: AgentRecord; tokenId: string; parentTokenId?: string };
export type HelloRefusal = { close: number; reason: string };

export async function authenticateHello(
  frame: HelloFrame,
  hint: string | undefined,
  services: { tokens: TokenService; agents: AgentService },
): Promise<HelloIdentity | HelloRefusal> {
  const check = await services.tokens.verifyForHello(frame.token);
  if (check.status === "invalid") return { close: CloseCode.authFailed, reason: "authentication failed" };
  if (check.status === "revoked") return { close: CloseCode.revoked, reason: "token revoked" };
  const token = check.record;
  const ref = frame.agent ?? hint;
  let agent: AgentRecord | null = null;
  if (token.kind === "agent") {
    agent = await services.agents.getById(token.agent_id ?? "");
    if (!agent) return { close: CloseCode.agentDeleted, reason: "agent deleted" };
    if (ref && !matches(agent, ref))
      return { close: CloseCode.authFailed, reason: `credential is for ${agent.name}` };
  } else {
    if (!token.scopes.includes("connect"))
      return { close: CloseCode.authFailed, reason: "token lacks connect scope" };
    if (!ref) return { close: CloseCode.authFailed, reason: "hello.agent is required with a user token" };
    const caller = { tokenId: token.id, user: token.user, kind: token.kind, scopes: token.scopes };
    agent = await services.agents.resolve(caller, ref).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error; // A store failure is the gateway's problem (1011), not an auth failure.
    });
    if (!agent || (agent.owner !== token.user && token.kind !== "admin")) {
      return { close: CloseCode.authFailed, reason: `no agent ${ref} owned by ${token.user}` };
    }
  }
  if (hint && !matches(agent, hint))
    return { close: CloseCode.authFailed, reason: "agent does not match the URL" };
  return { agent, tokenId: token.id, parentTokenId: token.parent_id };
}

function matches(agent: AgentRecord, ref: string): boolean {
  return agent.id === ref || agent.name.toLowerCase() === ref.toLowerCase();
}
