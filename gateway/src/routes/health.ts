import { Hono } from "hono";
import type { GatewayEnv } from "../gateway-env.ts";

/** 200 while the store serves; 503 with the store's state (unreachable, read-only) otherwise, for load balancers. */
export const healthRoutes = new Hono<GatewayEnv>().get("/health", (c) => {
  const { runtime, store, version } = c.get("services");
  const health = store.health?.() ?? { state: "up" as const };
  const ok = health.state === "up";
  return c.json(
    {
      ok,
      runtime,
      store: store.name,
      store_state: health.state,
      ...(ok ? {} : { store_health: health }),
      version,
    },
    ok ? 200 : 503,
  );
});
