/**
 * Checks `AGENT_MESH_CLUSTER` before a node opens anything. Several nodes behind one load balancer only act as one
 * gateway when they share the session store (Redis) and a blob store every node can read; a node refuses to start
 * otherwise, with the sentence that says why.
 */
import { blobBackendOf, NODE_LOCAL_BLOBS } from "./blobs-from-env.ts";

type Env = Record<string, string | undefined>;

export interface ClusterSettings {
  redisUrl: string;
  nodeId: string;
  prefix: string;
}

/** The cluster settings, or null for a single node; throws (with the reason) on a setup that cannot be shared. */
export function clusterConfigFromEnv(env: Env): ClusterSettings | null {
  const mode = env.AGENT_MESH_CLUSTER;
  if (!mode) return null;
  if (mode !== "redis") {
    throw clusterError(
      "invalid_cluster_config",
      `AGENT_MESH_CLUSTER=${JSON.stringify(mode)} is not a cluster mode; set AGENT_MESH_CLUSTER=redis or leave it unset for a single node`,
    );
  }
  if (env.AGENT_MESH_STORE !== "redis") {
    throw clusterError(
      "invalid_cluster_config",
      `AGENT_MESH_CLUSTER=redis needs AGENT_MESH_STORE=redis (and REDIS_URL): every node must share one store, but this node has AGENT_MESH_STORE=${env.AGENT_MESH_STORE || "fs"}`,
    );
  }
  const blobs = blobBackendOf(env);
  if (NODE_LOCAL_BLOBS.has(blobs)) {
    throw clusterError(
      "invalid_cluster_config",
      `AGENT_MESH_CLUSTER=redis cannot keep blobs with AGENT_MESH_BLOBS=${blobs}: attachments and skill archives would stay on this node, and a caller the load balancer sends to another node would not find them; unset AGENT_MESH_BLOBS (blobs then go to Redis) or set AGENT_MESH_BLOBS=s3`,
    );
  }
  const nodeId = env.AGENT_MESH_NODE_ID || `node-${crypto.randomUUID().slice(0, 8)}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) {
    throw clusterError(
      "invalid_cluster_config",
      `AGENT_MESH_NODE_ID=${JSON.stringify(nodeId)} is not a node id; use 1-64 letters, digits, '.', '_' or '-'`,
    );
  }
  if (!env.REDIS_URL) {
    throw clusterError(
      "invalid_cluster_config",
      "AGENT_MESH_CLUSTER=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379)",
    );
  }
  return { redisUrl: env.REDIS_URL, nodeId, prefix: env.AGENT_MESH_STORE_PREFIX || "agent-mesh:" };
}

function clusterError(code: string, message: string): Error {
  return Object.assign(new Error(`[gateway] [cluster] ${message}`), { code });
}
