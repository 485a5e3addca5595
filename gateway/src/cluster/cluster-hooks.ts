/**
 * Plugs the Redis hub into a gateway node: the presence hooks its `LocalAgentHome` calls when an agent's socket
 * links and unlinks, and the hub that wraps that home. Each socket keeps the epoch of its own claim, so the
 * close of an older socket of the agent never removes a newer socket's claim.
 * @module
 */
import type { GatewayConfig } from "../config.ts";
import type { AgentConnection, ConnectionIdentity } from "../relay/connection.ts";
import type { LocalAgentHome } from "../relay/local-home.ts";
import type { PendingRequest } from "../relay/pending.ts";
import type { RedisHubOptions } from "./hub-options.ts";
import { RedisAgentHub } from "./redis-hub.ts";

export type ClusterOptions = Omit<RedisHubOptions, "keepaliveMs" | "graceMs" | "syncTimeoutMs" | "onError">;

export function clusterHooks(
  options: ClusterOptions,
  config: GatewayConfig,
  onError: (error: unknown, context: { stage: string }) => void,
) {
  let hub: RedisAgentHub | null = null;
  const epochs = new WeakMap<ConnectionIdentity, number>();
  return {
    async beforeLink(connection: AgentConnection): Promise<void> {
      const identity = connection.identity!;
      epochs.set(identity, await hub!.linked(identity.agentId));
    },
    onUnlinked(identity: ConnectionIdentity): void {
      const epoch = epochs.get(identity);
      if (epoch !== undefined) hub?.unlinked(identity.agentId, epoch);
    },
    adoptHeld(
      agentId: string,
      unknown: Array<{ id: string; seq: number }>,
      held: Array<{ id: string; seq: number }>,
    ): Promise<PendingRequest[]> {
      return hub ? hub.adoptHeld(agentId, unknown, held) : Promise.resolve([]);
    },
    onRequestSent(pending: PendingRequest): void {
      hub?.requestSent(pending);
    },
    wrap(home: LocalAgentHome): RedisAgentHub {
      hub = new RedisAgentHub(home, {
        ...options,
        keepaliveMs: config.keepaliveMs,
        graceMs: config.graceMs,
        syncTimeoutMs: config.syncTimeoutMs,
        logMaxChars: config.maxUnreadBytes,
        logNodeMaxChars: config.maxResumeBytes,
        onError,
      });
      return hub;
    },
    /** What the logs of this node's calls keep in Redis, in characters (log-budget.ts). */
    logChars(): number | null {
      return hub?.logChars ?? null;
    },
    dispose(): void {
      hub?.dispose();
    },
  };
}
