/**
 * Opens what a cluster node needs beside its session store: a Redis connection for the hub's commands and one for
 * wake-up subscriptions (a subscribed connection runs nothing else). Both handle their own `error` events (the
 * session store reports outages), reconnect every ≤ 1 s, and close with the gateway.
 */
import { Redis } from "ioredis";
import type { ClusterOptions } from "../../gateway/src/cluster/cluster-hooks.ts";
import { WakeBus } from "../../gateway/src/cluster/wake-bus.ts";
import type { ClusterSettings } from "./cluster-config.ts";

const CLIENT_OPTIONS = {
  maxRetriesPerRequest: 1,
  connectTimeout: 1000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
};

export function openCluster(settings: ClusterSettings): { options: ClusterOptions; close(): void } {
  const redis = new Redis(settings.redisUrl, CLIENT_OPTIONS);
  const subscriber = new Redis(settings.redisUrl, CLIENT_OPTIONS);
  for (const client of [redis, subscriber]) client.on("error", () => {});
  return {
    options: { redis, wakes: new WakeBus(subscriber), prefix: settings.prefix, nodeId: settings.nodeId },
    close() {
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
