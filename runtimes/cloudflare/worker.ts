/**
 * Cloudflare Workers entry: the same gateway app as every other runtime, with agent sockets held by one Durable
 * Object per agent (agent-object.ts) and the store in a Durable Object (store-object.ts). Deploy and local dev:
 * docs/cloudflare.md.
 */
import { createGateway, type Gateway } from "../../gateway/src/app.ts";
import { durableObjectConnect } from "./connect.ts";
import { bindingsOf, type Env } from "./env.ts";
import { durableObjectHub } from "./hub.ts";

export { AgentObject } from "./agent-object.ts";
export { GatewayStoreObject } from "./store-object.ts";

/** One gateway per isolate, built on its first request. */
let built: { env: Env; gateway: Gateway } | undefined;

function gatewayFor(env: Env): Gateway {
  if (built?.env === env) return built.gateway;
  const { config, store, blobs, secret } = bindingsOf(env);
  const gateway = createGateway({
    runtime: "workerd",
    store,
    blobs,
    config,
    secret,
    adminToken: env.AGENT_MESH_ADMIN_TOKEN || undefined,
    hosting: { hub: durableObjectHub(env.AGENT, store), connect: durableObjectConnect(env.AGENT) },
  });
  built = { env, gateway };
  return gateway;
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const gateway = gatewayFor(env);
    const { adminToken } = await gateway.init();
    // Only without AGENT_MESH_ADMIN_TOKEN: a generated token, logged once (see `wrangler tail`).
    if (adminToken) console.log(`[gateway] admin token (shown once, stored hashed): ${adminToken}`);
    return gateway.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
