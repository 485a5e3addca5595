/**
 * The Worker's bindings (runtimes/cloudflare/wrangler.jsonc) and the stores built from them. The Worker and every
 * `AgentObject` build the same services from the same bindings, so they agree on the store, the config and the
 * gateway secret.
 */

import { cloudflareKvBlobStore } from "../../gateway/src/blob-stores/cloudflare-kv.ts";
import type { BlobStore } from "../../gateway/src/blob-stores/types.ts";
import { configFromEnv, type GatewayConfig } from "../../gateway/src/config.ts";
import {
  cloudflareSessionStore,
  type GatewayStoreNamespaceLike,
  type GatewayStoreRpc,
} from "../../gateway/src/session-stores/cloudflare.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import type { AgentObject } from "./agent-object.ts";
import type { GatewayStoreObject } from "./store-object.ts";

export interface Env {
  /** One Durable Object per agent: holds its socket (hibernatable) and its in-flight requests. */
  AGENT: DurableObjectNamespace<AgentObject>;
  /** The session store: one Durable Object instance holds every record. */
  STORE: DurableObjectNamespace<GatewayStoreObject>;
  /** Attachments and skill archives. */
  BLOBS: KVNamespace;
  /** Set with `wrangler secret put AGENT_MESH_ADMIN_TOKEN`. */
  AGENT_MESH_ADMIN_TOKEN?: string;
  /** Optional fixed gateway secret (`wrangler secret put AGENT_MESH_SECRET`); otherwise generated into the store. */
  AGENT_MESH_SECRET?: string;
  /** `"1"` logs each time an agent object wakes from hibernation with sockets to restore (tests, debugging). */
  AGENT_MESH_LOG_WAKES?: string;
  /** Timings and limits (`AGENT_MESH_GRACE_MS`, ...) as plain vars; see gateway/src/config.ts. */
  [name: string]: unknown;
}

export interface Bound {
  config: GatewayConfig;
  store: SessionStore;
  blobs: BlobStore;
  secret: string | undefined;
}

export function bindingsOf(env: Env): Bound {
  return {
    config: configFromEnv(env),
    store: cloudflareSessionStore({ namespace: freshStubs(env.STORE) }),
    blobs: cloudflareKvBlobStore({ namespace: env.BLOBS }),
    secret: env.AGENT_MESH_SECRET || undefined,
  };
}

/**
 * The store namespace, handing out a stub that opens a fresh Durable Object stub for every call. A stub belongs to
 * the request that created it ("Cannot perform I/O on behalf of a different request"), while the Worker keeps one
 * gateway (and so one store) per isolate for all requests.
 */
function freshStubs(
  namespace: DurableObjectNamespace<GatewayStoreObject>,
): GatewayStoreNamespaceLike<string> {
  // Every RPC method, checked by the compiler: a method missing here would be "not a function" only at run time.
  const RPC_METHODS: { [Method in keyof GatewayStoreRpc]: true } = {
    get: true,
    getMany: true,
    set: true,
    delete: true,
    add: true,
    take: true,
    compareAndSet: true,
    increment: true,
    keys: true,
    keyRange: true,
  };
  const METHODS = Object.keys(RPC_METHODS) as Array<keyof GatewayStoreRpc>;
  return {
    idFromName: (name) => name,
    get(name) {
      const stub = () => namespace.get(namespace.idFromName(name)) as unknown as GatewayStoreRpc;
      const rpc = {} as Record<string, unknown>;
      for (const method of METHODS) {
        rpc[method] = (...args: unknown[]) => (stub()[method] as (...a: unknown[]) => unknown)(...args);
      }
      return rpc as unknown as GatewayStoreRpc;
    },
  };
}
