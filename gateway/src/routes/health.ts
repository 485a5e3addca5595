import { Hono } from "hono";
import type { GatewayEnv } from "../gateway-env.ts";

export const healthRoutes = new Hono<GatewayEnv>().get("/health", (c) => {
  const { runtime, store, version } = c.var.services;
  return c.json({ ok: true, runtime, store: store.name, version });
});
