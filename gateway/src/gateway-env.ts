import type { Caller } from "./domain/caller.ts";
import type { GatewayServices } from "./services.ts";

/**
 * Hono environment of every gateway route. Read the variables with `c.get("services")`, not `c.var.services`:
 * Hono's `c.var` builds a fresh object from every variable on each access, several times per request.
 */
export interface GatewayEnv {
  Variables: {
    services: GatewayServices;
    caller: Caller;
  };
}
