/** What a `LocalAgentHome` is built from, and what an alarm-driven host saves per socket to rebuild it. */
import type { TokenService } from "../auth/tokens.ts";
import type { GatewayConfig } from "../config.ts";
import type { AgentService } from "../domain/agents.ts";
import type { DoneFrame } from "../protocol/index.ts";
import type { AgentConnection, ConnectionIdentity } from "./connection.ts";
import type { PendingRequest } from "./pending.ts";
import type { TaskRunner } from "./task-runner.ts";
import type { RelayCall } from "./types.ts";

export interface LocalHomeOptions {
  config: GatewayConfig;
  tokens: TokenService;
  agents: AgentService;
  tasks: TaskRunner;
  /** Rewrites a `done` frame before the caller sees it (claims uploaded attachments for the caller). */
  finalizeDone?: (call: RelayCall, frame: DoneFrame) => Promise<DoneFrame>;
  onError?: (error: unknown, context: { stage: string }) => void;
  /** Drive `sweep()` from an interval (default). Workers pass false and call `sweep()` from an alarm. */
  useInterval?: boolean;
  /**
   * Called once a socket authenticated (its `identity` is set), just before it becomes its agent's link and gets
   * `welcome`; awaited, so presence written here is visible once the connector sees `welcome`. Workers save the
   * identity on the socket and publish presence; closing the connection here refuses it.
   */
  beforeLink?: (connection: AgentConnection) => Promise<void> | void;
  /** Called when an agent's link goes away (closed, replaced by nothing, revoked, deleted). Not awaited. */
  onUnlinked?: (identity: ConnectionIdentity) => void;
  /**
   * Clusters: requests a reconnecting connector holds that this process does not know, taken over from the node
   * that had the agent before (their output continues in a shared log). Returned requests are resumed like local ones.
   */
  adoptHeld?: (
    agentId: string,
    unknown: Array<{ id: string; seq: number }>,
    held: Array<{ id: string; seq: number }>,
  ) => Promise<PendingRequest[]>;
  /** Told of every request sent to an agent. */
  onRequestSent?: (pending: PendingRequest) => void;
}

/** What an alarm-driven host saves per socket so `restore` can rebuild the connection after hibernation. */
export interface SavedConnection {
  openedAt: number;
  lastFrameAt: number;
  agentHint?: string;
  /** Set once `hello` succeeded. */
  identity: ConnectionIdentity | null;
}
