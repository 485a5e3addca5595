/** The worker the store tests run in: it only has to export the Durable Object class its bindings name. */
export { GatewayStoreObject } from "../../runtimes/cloudflare/store-object.ts";

export default {
  fetch(): Response {
    return new Response("agent-mesh store test worker");
  },
} satisfies ExportedHandler;
