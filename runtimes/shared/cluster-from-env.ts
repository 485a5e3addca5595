/**
 * Opens what a cluster node needs beside its session store: a Redis connection for the hub's commands and one for
 * wake-up subscriptions (a subscribed connection runs nothing else). The command connection fails like the session
 * store does while Redis is unreachable: at once, with `store_unavailable` (503), never a hang or a 500; and while
 * it refuses writes, as the store's refusal (`store_full`, `store_read_only`: _redis-refusals.ts). Both connections
 * handle their own `error` events and reconnect every ≤ 1 s.
 */
import { Redis } from "ioredis";
import type { ClusterOptions } from "../../gateway/src/cluster/cluster-hooks.ts";
import type { RedisCaller } from "../../gateway/src/cluster/presence.ts";
import { WakeBus } from "../../gateway/src/cluster/wake-bus.ts";
import { createAvailability } from "../../gateway/src/session-stores/_availability.ts";
import {
  isRedisOutage,
  REDIS_CLIENT_OPTIONS,
  redisHostOf,
  rethrowRedisRefusal,
} from "../../gateway/src/session-stores/redis.ts";
import type { ClusterSettings } from "./cluster-config.ts";

export function openCluster(settings: ClusterSettings): { options: ClusterOptions; close(): void } {
  const redis = new Redis(settings.redisUrl, REDIS_CLIENT_OPTIONS);
  const subscriber = new Redis(settings.redisUrl, REDIS_CLIENT_OPTIONS);
  subscriber.on("error", () => {}); // its outage is the command connection's, reported by the store
  const what = `the cluster's redis at ${redisHostOf(settings.redisUrl)}`;
  // A node's log otherwise reads like a single gateway's on the redis store; the id names it in /v1/node too.
  console.log(`  Cluster node ${settings.nodeId}: one gateway with every node on ${what} (docs/cluster.md).`);
  const availability = createAvailability({
    what,
    probe: () => redis.call("PING"),
    log: () => {}, // the session store, on the same Redis, logs the outage once
  });
  redis.on("error", (error: Error) => availability.markDown(error));
  // The hub re-reads its agents' task backlogs after a reconnect (a handoff may have failed meanwhile).
  const reconnected = new Set<() => void>();
  let lost = false;
  redis.on("close", () => {
    lost = true;
    availability.markDown();
  });
  redis.on("ready", () => {
    availability.markUp();
    if (!lost) return;
    lost = false;
    for (const listener of reconnected) listener();
  });
  const guarded: RedisCaller = {
    call: (command, ...args) =>
      availability
        .guard(() => redis.call(command, ...args), isRedisOutage)
        .catch((error) => rethrowRedisRefusal(error, what)),
  };
  return {
    options: {
      redis: guarded,
      wakes: new WakeBus(subscriber),
      prefix: settings.prefix,
      nodeId: settings.nodeId,
      onReconnected: (listener) => reconnected.add(listener),
    },
    close() {
      availability.dispose();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
