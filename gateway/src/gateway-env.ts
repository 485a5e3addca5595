import type { Caller } from "./domain/caller.ts";
import type { GatewayServices } from "./services.ts";

/** Hono environment of every gateway route. */
export interface GatewayEnv {
  Variables: {
    services: GatewayServices;
    caller: Caller;
  };
}
