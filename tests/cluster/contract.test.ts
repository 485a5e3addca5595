import { gatewayContract } from "../contracts/gateway/index.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { onPath } from "../helpers/redis-server.ts";

// The whole runtime contract suite against three nodes (Bun, Deno, Bun) behind the load balancer.
let cluster: TestCluster | null = null;
gatewayContract({
  runtime: "bun|deno",
  label: "cluster of 3 nodes behind a load balancer",
  skipReason: onPath("redis-server") ? null : "redis-server is not installed",
  notThrough: {
    // The node answers 413 and closes with the rest of the body unread; the kernel then resets the connection and
    // drops the answer still queued for the test proxy, which a plain TCP proxy cannot prevent.
    bodyCap: "the test load balancer is a plain TCP proxy and loses the 413 to the node's connection reset",
  },
  start: async () => {
    cluster = await startCluster(["bun", "deno", "bun"]);
    return cluster!.asGateway();
  },
});
