/**
 * The worker the workerd tests run in: it exports the Durable Object class its bindings name, and answers the
 * event pump's routes (event-pump-routes.ts).
 */
import { eventPumpRoutes } from "./event-pump-routes.ts";

export { GatewayStoreObject } from "../../runtimes/cloudflare/store-object.ts";

export default {
  fetch(request): Response {
    return eventPumpRoutes(request) ?? new Response("agent-mesh workerd test worker");
  },
} satisfies ExportedHandler;
