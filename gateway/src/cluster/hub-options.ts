/**
 * What a `RedisAgentHub` is built from: the node's Redis connection and identity, and the gateway limits its
 * cluster relaying follows so a call behaves as it would on one node. Apart from redis-hub.ts, as home-options.ts
 * is from local-home.ts, so the hub reads as what it does and cluster-hooks.ts can derive its options from these.
 * @module
 */
import type { RedisCaller } from "./presence.ts";
import type { WakeBus } from "./wake-bus.ts";

export interface RedisHubOptions {
  redis: RedisCaller;
  wakes: WakeBus;
  prefix: string;
  nodeId: string;
  /** Liveness bound: the agents of a node without a heartbeat for this long count as offline. Default 3 s. */
  presenceTtlMs?: number;
  ackTimeoutMs?: number;
  keepaliveMs: number;
  /** How long an agent may be away before its requests fail (the gateway's grace window). */
  graceMs: number;
  /** A live call fails after this long without output (the gateway's sync timeout). */
  syncTimeoutMs: number;
  /**
   * Characters of a request's output its log keeps (log-retention.ts): the gateway's `maxUnreadBytes`, since a caller
   * that falls further behind is cut off on one node too.
   */
  logMaxChars?: number;
  /**
   * Characters the logs this node writes keep in Redis together (log-budget.ts): the gateway's `maxResumeBytes`,
   * what its calls keep in memory for callers that re-attach.
   */
  logNodeMaxChars?: number;
  onError: (error: unknown, context: { stage: string }) => void;
  /** Registers a listener for this node's Redis connection coming back after it was lost. */
  onReconnected?: (listener: () => void) => void;
}
